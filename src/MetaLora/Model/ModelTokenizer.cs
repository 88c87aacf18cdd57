using MetaLora.Tokenization;
using Microsoft.ML.Tokenizers;

namespace MetaLora.Model;

/// <summary>
/// The tokenizer that goes with a model folder: Mistral's SentencePiece <c>tokenizer.model</c>
/// (<see cref="SentencePieceBpeTokenizer"/>), adding BOS and EOS as the folder's
/// <c>tokenizer_config.json</c> says (add_bos_token, default true; add_eos_token, default false, as
/// Mistral ships), with the BOS/EOS ids checked against config.json; or a named built-in tiktoken
/// tokenizer (e.g. "gpt2", bundled, works offline) for models trained on its ids; or, when the folder
/// holds <c>compact_vocab.json</c>, GPT-2's pieces renumbered into that compact vocabulary.
/// </summary>
internal static class ModelTokenizer
{
    public const string SentencePieceFileName = "tokenizer.model";
    public const string ConfigFileName = SpecialTokenFlags.ConfigFileName;

    /// <summary>The SentencePiece tokenizer of <paramref name="folder"/>, consistent with <paramref name="config"/>.</summary>
    public static Tokenizer FromFolder(string folder, MistralConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var compactPath = Path.Combine(folder, CompactTokenizer.FileName);
        if (File.Exists(compactPath)) return FromCompact(compactPath, folder, config);
        var modelPath = Path.Combine(folder, SentencePieceFileName);
        if (!File.Exists(modelPath))
            throw BadInputException.At(folder, $"no {SentencePieceFileName} (SentencePiece) in the model folder; name a built-in tokenizer instead");
        var flags = SpecialTokenFlags.ForFolder(folder);
        var tokenizer = TokenizerFactory.CreateSentencePiece(modelPath, flags.AddBos, flags.AddEos);
        // Generation stops at the config's EOS and prompts start with the tokenizer's BOS: they must agree.
        if (tokenizer.BeginningOfSentenceId != config.BosTokenId)
            throw BadInputException.At(modelPath, $"BOS is id {tokenizer.BeginningOfSentenceId}, but {config.Path} says bos_token_id = {config.BosTokenId}");
        if (!config.EosTokenIds.Contains(tokenizer.EndOfSentenceId))
            throw BadInputException.At(modelPath, $"EOS is id {tokenizer.EndOfSentenceId}, but {config.Path} says eos_token_id = {string.Join(", ", config.EosTokenIds)}");
        if (tokenizer.VocabularySize > config.VocabSize)
            throw BadInputException.At(modelPath, $"has {tokenizer.VocabularySize} pieces, more than the model's vocab_size {config.VocabSize}");
        return tokenizer;
    }

    private static CompactTokenizer FromCompact(string path, string folder, MistralConfig config)
    {
        var tokenizer = CompactTokenizer.Load(path, SpecialTokenFlags.ForFolder(folder).AddBos);
        if (config.BosTokenId != CompactTokenizer.BosId || !config.EosTokenIds.Contains(CompactTokenizer.EosId))
            throw BadInputException.At(config.Path, $"bos_token_id/eos_token_id must be {CompactTokenizer.BosId}/{CompactTokenizer.EosId} for the compact vocabulary {path}");
        if (tokenizer.VocabSize > config.VocabSize)
            throw BadInputException.At(path, $"has {tokenizer.VocabSize} ids, more than the model's vocab_size {config.VocabSize}");
        return tokenizer;
    }

    /// <summary>A built-in tiktoken tokenizer by model name; <paramref name="source"/> names where the name came from in errors.</summary>
    public static Tokenizer Builtin(string name, string source) => TokenizerFactory.CreateTiktoken(source, name);
}
