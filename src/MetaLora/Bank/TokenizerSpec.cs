namespace MetaLora.Bank;

/// <summary>
/// How a bank's text becomes token ids: a tiktoken model by name, a SentencePiece model file, or a
/// tiktoken model renumbered into a compact vocabulary file (the embedded bank's tiny model).
/// </summary>
/// <param name="Kind">One of <see cref="TokenizerSpec.Kinds"/>.</param>
/// <param name="Model">The tiktoken model name (kinds "tiktoken" and "tiktoken-compact").</param>
/// <param name="Path">The SentencePiece model file (kind "sentencepiece") or the compact vocabulary file (kind "tiktoken-compact"), relative to the bank folder.</param>
internal sealed record TokenizerSpec(string Kind, string? Model, string? Path)
{
    public const string Tiktoken = "tiktoken";
    public const string SentencePiece = "sentencepiece";
    public const string TiktokenCompact = "tiktoken-compact";
    public static readonly IReadOnlyList<string> Kinds = [Tiktoken, SentencePiece, TiktokenCompact];
}
