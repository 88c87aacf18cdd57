namespace MetaLora.Formats;

/// <summary>A square matrix whose rows and columns are both labelled by the same task names.</summary>
public sealed record NamedMatrix(IReadOnlyList<string> Names, double[,] Values);
