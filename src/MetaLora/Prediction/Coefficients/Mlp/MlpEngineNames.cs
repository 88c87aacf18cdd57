namespace MetaLora.Prediction.Coefficients.Mlp;

/// <summary>The names of the <see cref="MlpEngine"/> values, as options and stage parameters spell them.</summary>
public static class MlpEngineNames
{
    /// <summary>What <see cref="Parse"/> accepts, for help texts and error messages.</summary>
    public const string Valid = "sweep, dense";

    private static readonly string[] Names = ["sweep", "dense"];

    /// <summary>"sweep" or "dense".</summary>
    public static string Name(this MlpEngine engine) => Names[(int)engine];

    /// <summary>Parses one engine name, case-insensitively.</summary>
    public static MlpEngine Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var index = Array.FindIndex(Names, n => n.Equals(text.Trim(), StringComparison.OrdinalIgnoreCase));
        return index >= 0
            ? (MlpEngine)index
            : throw new BadInputException($"unknown mlp engine '{text}'; valid engines: {Valid}");
    }
}
