namespace MetaLora.Model;

/// <summary>The loss of every step run by this call, from <see cref="FirstStep"/> (0 unless resumed).</summary>
internal sealed record TrainingResult(int FirstStep, IReadOnlyList<double> Losses);
