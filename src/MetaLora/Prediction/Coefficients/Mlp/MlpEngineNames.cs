namespace MetaLora.Prediction.Coefficients.Mlp;

/// <summary>The names of the <see cref="MlpEngine"/> values, as options and stage parameters spell them.</summary>
public static class MlpEngineNames
{
    /// <summary>The stage parameter that selects an engine's code (see <c>[StageVariant]</c>).</summary>
    public const string Parameter = "mlp-engine";

    public const string Sweep = "sweep";
    public const string Dense = "dense";

    /// <summary>The exact sweep, the default.</summary>
    public const MlpEngine Default = MlpEngine.Sweep;

    internal static readonly NameTable<MlpEngine> Table = new("mlp engine", "engines", [(MlpEngine.Sweep, Sweep), (MlpEngine.Dense, Dense)]);

    /// <summary>What <see cref="Parse"/> accepts, for help texts and error messages.</summary>
    public static string Valid => Table.Valid;

    /// <summary>"sweep" or "dense".</summary>
    public static string Name(this MlpEngine engine) => Table.Name(engine);

    /// <summary>Parses one engine name, case-insensitively.</summary>
    public static MlpEngine Parse(string text) => Table.Parse(text);
}
