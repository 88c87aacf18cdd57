namespace MetaLora.Prediction.Combining;

/// <summary>Names of the combiners (<c>paper</c>, <c>linear-sqrt</c>, <c>delta</c>) and their parsing.</summary>
public static class CombinerNames
{
    /// <summary>What <see cref="Parse"/> accepts, for help texts and error messages.</summary>
    public const string Valid = "paper, linear-sqrt, delta, all";

    private static readonly string[] Names = ["paper", "linear-sqrt", "delta"];

    /// <summary>The command-line name of a combiner.</summary>
    public static string Name(this Combiner combiner) => Names[(int)combiner];

    /// <summary>
    /// The suffix a combiner adds to pipeline and folder names: empty for the paper's (its names and
    /// folders predate the others), <c>+linear-sqrt</c> or <c>+delta</c> otherwise.
    /// </summary>
    public static string Suffix(this Combiner combiner) => combiner == Combiner.Paper ? "" : "+" + combiner.Name();

    /// <summary>Parses a comma list (case-insensitive, "all" for every combiner) into distinct combiners in canonical order.</summary>
    public static IReadOnlyList<Combiner> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var wanted = new bool[Names.Length];
        foreach (var raw in text.Split(','))
        {
            var name = raw.Trim();
            if (name.Equals("all", StringComparison.OrdinalIgnoreCase))
            {
                Array.Fill(wanted, true);
                continue;
            }
            var index = Array.FindIndex(Names, n => n.Equals(name, StringComparison.OrdinalIgnoreCase));
            if (index < 0)
                throw new BadInputException($"unknown combiner '{name}'; valid combiners: {Valid} (comma-separated)");
            wanted[index] = true;
        }
        return Enum.GetValues<Combiner>().Where(c => wanted[(int)c]).ToArray();
    }
}
