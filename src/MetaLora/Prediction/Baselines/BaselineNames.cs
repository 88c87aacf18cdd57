namespace MetaLora.Prediction.Baselines;

/// <summary>The baselines' names (<c>uniform</c>, <c>nearest</c>), their parsing, and the stage parameter that selects one.</summary>
internal static class BaselineNames
{
    /// <summary>The stage parameter that selects a baseline's code (see <c>[StageVariant]</c>); "none" for a predicted pipeline.</summary>
    public const string Parameter = "baseline";

    public const string Uniform = "uniform";
    public const string Nearest = "nearest";
    public const string None = "none";

    internal static readonly NameTable<Baseline> Table = new("baseline", "baselines",
        [(Baseline.Uniform, Uniform), (Baseline.Nearest, Nearest)], all: true, none: true);

    /// <summary>What <see cref="Parse"/> accepts, for help texts and error messages.</summary>
    public static string Valid => Table.Valid;

    /// <summary>The name of a baseline.</summary>
    public static string Name(this Baseline baseline) => Table.Name(baseline);

    /// <summary>Parses a comma list (case-insensitive; "all", or "none" for no baseline) into distinct baselines in canonical order.</summary>
    public static IReadOnlyList<Baseline> Parse(string text) => Table.ParseList(text);
}
