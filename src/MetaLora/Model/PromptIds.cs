using Microsoft.ML.Tokenizers;

namespace MetaLora.Model;

/// <summary>
/// A prompt's token ids as the paper's inference feeds them: the raw text with the tokenizer's BOS, no
/// chat template. Local Infer and <c>lora serve</c> share it, so a server answers exactly as Infer generates.
/// </summary>
internal static class PromptIds
{
    /// <summary>
    /// The ids of <paramref name="text"/>; when they leave no room for <paramref name="maxNewTokens"/> within the
    /// model's positions, BOS and the prompt's end are kept (<c>Truncated</c> is then true).
    /// </summary>
    public static (IReadOnlyList<int> Ids, bool Truncated) Encode(Tokenizer tokenizer, string text, MistralConfig config, int maxNewTokens)
    {
        var room = Room(config, maxNewTokens);
        if (room < 2) throw BadInputException.At(config.Path, $"max_position_embeddings {config.MaxPositionEmbeddings} leaves no room for a prompt and {maxNewTokens} new tokens (--max-new-tokens, else the bank's generation.max_new_tokens)");
        var ids = tokenizer.EncodeToIds(text);
        if (ids.Count <= room) return (ids, false);
        return ([ids[0], .. ids.Skip(ids.Count - room + 1)], true);
    }

    /// <summary>Positions left for the prompt after <paramref name="maxNewTokens"/> new ones.</summary>
    public static int Room(MistralConfig config, int maxNewTokens) => config.MaxPositionEmbeddings - maxNewTokens;
}
