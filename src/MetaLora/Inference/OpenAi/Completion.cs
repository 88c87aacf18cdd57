using MetaLora.Repro.CodeIdentity;


namespace MetaLora.Inference.OpenAi;

/// <summary>A completion's text as the server returned it and why it stopped (<c>stop</c>, <c>length</c>).</summary>
[StageVariant(InferEngineNames.Parameter, InferEngineNames.OpenAi)]
internal sealed record Completion(string Text, string? FinishReason);
