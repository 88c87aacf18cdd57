namespace MetaLora.Prediction.Baselines;

/// <summary>Names of the baselines (<c>uniform</c>, <c>nearest</c>) and their parsing.</summary>
public static class BaselineNames
{
    /// <summary>What <see cref="Parse"/> accepts, for help texts and error messages.</summary>
    public const string Valid = "uniform, nearest, all, none";

    private static readonly string[] Names = ["uniform", "nearest"];

    /// <summary>The name of a baseline.</summary>
    public static string Name(this Baseline baseline) => Names[(int)baseline];

    /// <summary>Parses a comma list (case-insensitive; "all", or "none" for no baseline) into distinct baselines in canonical order.</summary>
    public static IReadOnlyList<Baseline> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var wanted = new bool[Names.Length];
        foreach (var raw in text.Split(','))
        {
            var name = raw.Trim();
            if (name.Equals("none", StringComparison.OrdinalIgnoreCase)) continue;
            if (name.Equals("all", StringComparison.OrdinalIgnoreCase))
            {
                Array.Fill(wanted, true);
                continue;
            }
            var index = Array.FindIndex(Names, n => n.Equals(name, StringComparison.OrdinalIgnoreCase));
            if (index < 0)
                throw new BadInputException($"unknown baseline '{name}'; valid baselines: {Valid} (comma-separated)");
            wanted[index] = true;
        }
        return Enum.GetValues<Baseline>().Where(b => wanted[(int)b]).ToArray();
    }
}
