
namespace MetaLora.Distances;

public static class MetricNames
{
    /// <summary>What <see cref="Parse"/> accepts, for help texts and error messages.</summary>
    public const string Valid = "WD, KL, JS, MMD, all";

    /// <summary>
    /// Parses "WD", "kl", "all", "JS,WD", ... (case-insensitive, comma-separated) into distinct metrics
    /// in canonical order, so callers can iterate them without sorting or deduplicating.
    /// </summary>
    public static IReadOnlyList<Metric> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var wanted = new bool[Enum.GetValues<Metric>().Length];
        foreach (var raw in text.Split(','))
        {
            var name = raw.Trim();
            if (name.Equals("all", StringComparison.OrdinalIgnoreCase))
            {
                Array.Fill(wanted, true);
                continue;
            }
            // Enum.TryParse would also accept numbers like "2"; only names are meaningful here.
            var found = false;
            foreach (var metric in Enum.GetValues<Metric>())
            {
                if (name.Equals(metric.ToString(), StringComparison.OrdinalIgnoreCase))
                {
                    wanted[(int)metric] = true;
                    found = true;
                }
            }
            if (!found)
                throw new BadInputException($"unknown metric '{name}'; valid metrics: {Valid} (comma-separated)");
        }
        return Enum.GetValues<Metric>().Where(m => wanted[(int)m]).ToArray();
    }
}
