using MetaLora.Formats;

namespace MetaLora.Reporting.Page;

/// <summary>Everything the page shows, read from the files the summary was made from.</summary>
internal sealed record ReportInputs(
    Summary Summary,
    ScoreColumns RougeL,
    IReadOnlyList<CoefficientView> Coefficients,
    IReadOnlyDictionary<string, NamedMatrix> Distances,
    IReadOnlyDictionary<string, IReadOnlyList<TaskExample>> Examples,
    IReadOnlyList<ReportSource> Sources)
{
    /// <summary>Test samples shown per task.</summary>
    public const int SamplesPerTask = 3;
}
