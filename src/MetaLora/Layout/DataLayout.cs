namespace MetaLora.Layout;

/// <summary>
/// Where artifacts live under the data folder. Names follow the paper's repository
/// (raw_input, preprocessed, coefficients, predicted_adapters) so its users feel at home.
/// </summary>
internal sealed record DataLayout(string DataDir)
{
    /// <summary>The data folder when none is given.</summary>
    public const string DefaultDataDir = "data";

    /// <summary>The folder of a fetched bank in the data folder (the paper's repository's name).</summary>
    public const string RawInputFolder = "raw_input";

    /// <summary>The folder of the embedded bank in the data folder.</summary>
    public const string EmbeddedFolder = "embedded";

    /// <summary>Where a fetched bank goes.</summary>
    public string DefaultBankDir => Path.Combine(DataDir, RawInputFolder);

    /// <summary>Where the build script puts the embedded bank.</summary>
    public string EmbeddedBankDir => Path.Combine(DataDir, EmbeddedFolder);

    /// <summary>
    /// The bank a verb uses without --bank-dir: <c>raw_input</c> when it holds a bank, else the embedded
    /// bank when that exists (the build script's default), else <c>raw_input</c> (whose error then says what is missing).
    /// </summary>
    public string BankDirToUse =>
        !File.Exists(Path.Combine(DefaultBankDir, "bank.json")) && File.Exists(Path.Combine(EmbeddedBankDir, "bank.json"))
            ? EmbeddedBankDir
            : DefaultBankDir;
    public string TokensDir => Path.Combine(DataDir, "preprocessed", "tokens");
    public string TokenFile(string task) => Path.Combine(TokensDir, task + ".npy");
    public string DistancesDir => Path.Combine(DataDir, "preprocessed", "distances");
    public string DistanceFile(string metric) => Path.Combine(DistancesDir, metric + ".csv");

    /// <summary>G = A Aᵀ of the bank's flattened adapters (mlp_version's training needs only this).</summary>
    public string GramFile => Path.Combine(DataDir, "preprocessed", "gram.csv");

    public string CoefficientsDir(string metric, string model) => Path.Combine(DataDir, "coefficients", metric, model);
    public string CoefficientFile(string metric, string model) => Path.Combine(CoefficientsDir(metric, model), "coefficients.csv");

    /// <summary>Every predicted adapter: <c>&lt;METRIC&gt;/&lt;model&gt;[+&lt;combiner&gt;]/</c>, <c>&lt;METRIC&gt;/nearest/</c>, <c>uniform[+&lt;combiner&gt;]/</c>.</summary>
    public string PredictedAdaptersDir => Path.Combine(DataDir, "predicted_adapters");

    /// <summary>Stage manifests and per-item records.</summary>
    public string StagesDir => Path.Combine(DataDir, ".stages");
    public string ItemsDir(string stage) => Path.Combine(StagesDir, stage + ".items");

    /// <summary>Stage code identities remembered per build of the tool (see <see cref="Study.StageCode"/>).</summary>
    public string CodeCacheDir => Path.Combine(StagesDir, "code");
}
