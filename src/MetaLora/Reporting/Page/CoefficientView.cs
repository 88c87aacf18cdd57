using MetaLora.Formats;

namespace MetaLora.Reporting.Page;

/// <summary>
/// One coefficient matrix (rows: tasks adapted for; columns: bank adapters) and the pipelines that
/// mix with it: a (metric, model) pair and its combiners, or a nearest_&lt;METRIC&gt; baseline's choices
/// (whose <paramref name="Model"/> is null).
/// </summary>
internal sealed record CoefficientView(string Label, string Metric, string? Model, IReadOnlyList<string> Pipelines, NamedMatrix Coefficients);
