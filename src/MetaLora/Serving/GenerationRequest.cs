namespace MetaLora.Serving;

/// <summary>What either endpoint asks of the model once its body is read and checked: prompts as ids and how to answer.</summary>
internal sealed record GenerationRequest(
    string Model, IReadOnlyList<int>[] Prompts, int MaxTokens, double Temperature, double TopP, long Seed, bool IgnoreEos,
    IReadOnlyList<string> Stop, bool Stream, bool IncludeUsage, bool Chat);
