using MetaLora.Formats;

namespace MetaLora.Reporting.Page;

/// <summary>One test sample of a task as the page shows it: the input, the reference and what each shown pipeline wrote.</summary>
public sealed record TaskExample(string Id, string Input, string Reference, IReadOnlyList<PipelineText> Outputs);

/// <summary>What one pipeline wrote for a sample; null text when its output file has no such sample.</summary>
public readonly record struct PipelineText(string Pipeline, string? Text);

/// <summary>
/// One coefficient matrix (rows: tasks adapted for; columns: bank adapters) and the pipelines that
/// mix with it: a (metric, model) pair and its combiners, or a nearest_&lt;METRIC&gt; baseline's choices.
/// </summary>
public sealed record CoefficientView(string Label, string Metric, IReadOnlyList<string> Pipelines, NamedMatrix Coefficients);

/// <summary>An input file of the page and the first 16 hex digits of its sha256: the page's identity.</summary>
public readonly record struct ReportSource(string Name, string Sha256);

/// <summary>Everything the page shows, read from the files the summary was made from.</summary>
public sealed record ReportInputs(
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
