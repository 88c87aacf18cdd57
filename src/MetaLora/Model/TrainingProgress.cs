namespace MetaLora.Model;

/// <summary>Where training stands after a step (1-based <see cref="Step"/> of <see cref="Steps"/>).</summary>
internal sealed record TrainingProgress(int Step, int Steps, double Loss, double LearningRate, double GradientNorm);
