namespace MetaLora.Repro;

/// <summary>
/// The <c>lora</c> verbs stages run. A verb's entry method carries <c>[StageEntry]</c> with the same
/// constant, which is where a stage's code identity starts.
/// </summary>
internal static class StageVerbs
{
    public const string BankBuild = "bank build";
    public const string Fetch = "fetch";
    public const string Tokenize = "tokenize";
    public const string Distances = "distances";
    public const string Gram = "gram";
    public const string Coefficients = "coefficients";
    public const string Predict = "predict";
    public const string Infer = "infer";
    public const string Evaluate = "evaluate";
    public const string Report = "report";
}
