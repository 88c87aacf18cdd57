using MetaLora.Bank;
using Microsoft.ML.Tokenizers;

namespace MetaLora.Tokenization;

/// <summary>Builds the tokenizer a bank names in bank.json.</summary>
internal static class TokenizerFactory
{
    public static Tokenizer Create(BankInfo bank)
    {
        var spec = bank.Tokenizer;
        return spec.Kind switch
        {
            TokenizerSpec.Tiktoken => CreateTiktoken(bank.JsonPath, spec.Model!),
            TokenizerSpec.SentencePiece => CreateSentencePiece(Path.Combine(bank.Directory, spec.Path!)),
            TokenizerSpec.TiktokenCompact => CreateCompact(bank, spec),
            _ => throw BadInputException.At(bank.JsonPath,
                $"unknown tokenizer kind \"{spec.Kind}\" (valid kinds: {string.Join(", ", TokenizerSpec.Kinds)})"),
        };
    }

    private static CompactTokenizer CreateCompact(BankInfo bank, TokenizerSpec spec)
    {
        var tokenizer = CompactTokenizer.Load(Path.Combine(bank.Directory, spec.Path!));
        // bank.json names the base model too, so that a reader sees how ids were made without opening the file.
        if (tokenizer.BaseModel != spec.Model)
            throw BadInputException.At(bank.JsonPath, $"tokenizer.model is \"{spec.Model}\" but {spec.Path} renumbers \"{tokenizer.BaseModel}\"");
        return tokenizer;
    }

    /// <param name="source">The file that names the tokenizer, for error messages.</param>
    /// <param name="model">The tiktoken model name, e.g. gpt2.</param>
    internal static Tokenizer CreateTiktoken(string source, string model)
    {
        try
        {
            return TiktokenTokenizer.CreateForModel(model);
        }
        catch (Exception e) when (e is NotSupportedException or ArgumentException or InvalidOperationException or IOException)
        {
            // Only encodings whose data package is referenced load offline (the project ships GPT-2's).
            throw BadInputException.At(source, $"tiktoken model \"{model}\" is not available ({OneLine(e.Message)})");
        }
    }

    /// <summary>
    /// A Llama/Mistral-style SentencePiece BPE model. BOS and EOS follow the <c>tokenizer_config.json</c>
    /// beside it when there is one (by default BOS is added to every text, EOS is not).
    /// </summary>
    internal static SentencePieceBpeTokenizer CreateSentencePiece(string modelPath)
    {
        var flags = SpecialTokenFlags.ForFolder(Path.GetDirectoryName(Path.GetFullPath(modelPath))!);
        return CreateSentencePiece(modelPath, flags.AddBos, flags.AddEos);
    }

    internal static SentencePieceBpeTokenizer CreateSentencePiece(string modelPath, bool addBeginOfSentence, bool addEndOfSentence) =>
        SentencePieceBpeTokenizer.Load(modelPath, addBeginOfSentence, addEndOfSentence);

    private static string OneLine(string message) => message.Replace('\r', ' ').Replace('\n', ' ');
}
