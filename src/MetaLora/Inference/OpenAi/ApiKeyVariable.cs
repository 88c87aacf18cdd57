using System.Text.RegularExpressions;
using MetaLora.Repro.CodeIdentity;

namespace MetaLora.Inference.OpenAi;

/// <summary>The name of the environment variable that holds an API key (the key itself is never an argument).</summary>
[StageVariant(InferEngineNames.Parameter, InferEngineNames.OpenAi)]
internal static partial class ApiKeyVariable
{
    public static bool IsValid(string name) => Pattern().IsMatch(name);

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex Pattern();
}
