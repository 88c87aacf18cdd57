namespace MetaLora.Prediction.Combining;

/// <summary>
/// The combiners' names (<c>paper</c>, <c>linear-sqrt</c>, <c>delta</c>), their parsing, and the stage
/// parameter that selects one. PEFT's <c>add_weighted_adapter</c> names are accepted where they mean
/// the same: <c>svd</c> (the exact update, refactored to a rank) for delta and <c>linear</c> for
/// linear-sqrt; stages, folders and records use the canonical names.
/// </summary>
internal static class CombinerNames
{
    /// <summary>The stage parameter that selects a combiner's code (see <c>[StageVariant]</c>).</summary>
    public const string Parameter = "combine";

    public const string Paper = "paper";
    public const string LinearSqrt = "linear-sqrt";
    public const string Delta = "delta";

    /// <summary>The parameter's value for stages that copy adapters and combine none.</summary>
    public const string None = "none";

    /// <summary>The paper's combiner, the default.</summary>
    public const Combiner Default = Combiner.Paper;

    /// <summary>The word for "every coefficient" in <c>--top-k</c>.</summary>
    public const string AllCoefficients = "all";

    internal static readonly NameTable<Combiner> Table = new("combiner", "combiners",
        [(Combiner.Paper, Paper), (Combiner.LinearSqrt, LinearSqrt), (Combiner.Delta, Delta)], all: true,
        aliases: [("svd", Combiner.Delta), ("linear", Combiner.LinearSqrt)]);

    /// <summary>What <see cref="Parse"/> accepts, for help texts and error messages (without the PEFT aliases).</summary>
    public static string Valid => Table.Valid;

    /// <summary>The command-line name of a combiner.</summary>
    public static string Name(this Combiner combiner) => Table.Name(combiner);

    /// <summary>
    /// The suffix a combiner adds to pipeline and folder names: empty for the paper's (its names and
    /// folders predate the others), <c>+linear-sqrt</c> or <c>+delta</c> otherwise.
    /// </summary>
    public static string Suffix(this Combiner combiner) => combiner == Combiner.Paper ? "" : "+" + combiner.Name();

    /// <summary>Parses a comma list (case-insensitive, "all" for every combiner) into distinct combiners in canonical order.</summary>
    public static IReadOnlyList<Combiner> Parse(string text) => Table.ParseList(text);
}
