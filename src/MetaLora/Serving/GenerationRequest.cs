namespace MetaLora.Serving;

/// <summary>What either endpoint asks of the model once its body is read and checked: prompts as ids and how to answer.</summary>
internal sealed record GenerationRequest(
    string Model, IReadOnlyList<int>[] Prompts, int MaxTokens, Sampling Sampling, bool Chat);
