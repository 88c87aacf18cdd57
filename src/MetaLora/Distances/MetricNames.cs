namespace MetaLora.Distances;

/// <summary>The metrics' names (as the paper writes them), their parsing, and the stage parameter that selects one.</summary>
public static class MetricNames
{
    /// <summary>The stage parameter that selects a metric's code (see <c>[StageVariant]</c>).</summary>
    public const string Parameter = "metric";

    public const string WD = nameof(Metric.WD);
    public const string KL = nameof(Metric.KL);
    public const string JS = nameof(Metric.JS);
    public const string MMD = nameof(Metric.MMD);

    /// <summary>The paper's default metric.</summary>
    public const Metric Default = Metric.KL;

    internal static readonly NameTable<Metric> Table = new("metric", "metrics",
        [(Metric.WD, WD), (Metric.KL, KL), (Metric.JS, JS), (Metric.MMD, MMD)], all: true);

    /// <summary>What <see cref="Parse"/> accepts, for help texts and error messages.</summary>
    public static string Valid => Table.Valid;

    /// <summary>
    /// Parses "WD", "kl", "all", "JS,WD", ... (case-insensitive, comma-separated) into distinct metrics
    /// in canonical order, so callers can iterate them without sorting or deduplicating.
    /// </summary>
    public static IReadOnlyList<Metric> Parse(string text) => Table.ParseList(text);
}
