using MetaLora.Repro.CodeIdentity;


namespace MetaLora.Inference.OpenAi;

/// <summary>
/// An entry of <c>GET /v1/models</c>: its name, what it was loaded from (vLLM's <c>root</c>: the base
/// model's repository or folder, an adapter's path) and, for an adapter, the base model it belongs to.
/// </summary>
[StageVariant(InferEngineNames.Parameter, InferEngineNames.OpenAi)]
internal sealed record ServedModel(string Id, string? Root, string? Parent);
