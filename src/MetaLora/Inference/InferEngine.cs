namespace MetaLora.Inference;

/// <summary>Where Infer generates.</summary>
internal enum InferEngine
{
    /// <summary>The tool's own model, on this machine's CPU.</summary>
    Local,

    /// <summary>An OpenAI-compatible server such as vLLM.</summary>
    OpenAi,
}
