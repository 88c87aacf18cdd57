
namespace MetaLora.Prediction.Coefficients;

public static class CoefficientModelNames
{
    /// <summary>What <see cref="Parse"/> accepts, for help texts and error messages.</summary>
    public const string Valid = "base_version, normalized_version, mlp_version, all";

    private static readonly string[] Names = ["base_version", "normalized_version", "mlp_version"];

    /// <summary>The paper's name of a model: base_version, normalized_version or mlp_version.</summary>
    public static string Name(this CoefficientModel model) => Names[(int)model];

    /// <summary>
    /// Parses "base_version", "MLP_version", "all", "mlp_version,base_version", ... (case-insensitive,
    /// comma-separated) into distinct models in canonical order.
    /// </summary>
    public static IReadOnlyList<CoefficientModel> Parse(string text)
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
                throw new BadInputException($"unknown coefficient model '{name}'; valid models: {Valid} (comma-separated)");
            wanted[index] = true;
        }
        return Enum.GetValues<CoefficientModel>().Where(m => wanted[(int)m]).ToArray();
    }
}
