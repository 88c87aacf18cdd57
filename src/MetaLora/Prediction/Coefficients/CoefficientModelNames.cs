namespace MetaLora.Prediction.Coefficients;

/// <summary>The coefficient models' names (the paper's), their parsing, and the stage parameter that selects one.</summary>
public static class CoefficientModelNames
{
    /// <summary>The stage parameter that selects a model's code (see <c>[StageVariant]</c>).</summary>
    public const string Parameter = "model";

    public const string BaseVersion = "base_version";
    public const string NormalizedVersion = "normalized_version";
    public const string MlpVersion = "mlp_version";

    /// <summary>The paper's default model.</summary>
    public const CoefficientModel Default = CoefficientModel.BaseVersion;

    internal static readonly NameTable<CoefficientModel> Table = new("coefficient model", "models",
        [(CoefficientModel.BaseVersion, BaseVersion), (CoefficientModel.NormalizedVersion, NormalizedVersion), (CoefficientModel.MlpVersion, MlpVersion)],
        all: true);

    /// <summary>What <see cref="Parse"/> accepts, for help texts and error messages.</summary>
    public static string Valid => Table.Valid;

    /// <summary>The paper's name of a model: base_version, normalized_version or mlp_version.</summary>
    public static string Name(this CoefficientModel model) => Table.Name(model);

    /// <summary>
    /// Parses "base_version", "MLP_version", "all", "mlp_version,base_version", ... (case-insensitive,
    /// comma-separated) into distinct models in canonical order.
    /// </summary>
    public static IReadOnlyList<CoefficientModel> Parse(string text) => Table.ParseList(text);
}
