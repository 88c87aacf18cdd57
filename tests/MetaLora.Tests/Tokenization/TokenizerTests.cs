using MetaLora.Bank;
using MetaLora.Tokenization;
using Microsoft.ML.Tokenizers;
using MetaLora.Formats;

namespace MetaLora.Tests.Tokenization;

public sealed class TokenizerTests
{
    private const int Gpt2Vocab = 50257;

    private static TempDir Bank(string tokenizerJson, int vocabSize = Gpt2Vocab)
    {
        var dir = new TempDir();
        dir.Write("bank.json", $$"""{"name": "b", "tokenizer": {{tokenizerJson}}, "vocab_size": {{vocabSize}}, "tasks": ["t"]}""");
        Directory.CreateDirectory(dir.Combine("datasets/t"));
        return dir;
    }

    private static Tokenizer Gpt2()
    {
        using var dir = Bank("""{"kind": "tiktoken", "model": "gpt2"}""");
        return TokenizerFactory.Create(BankInfo.Load(dir.Path));
    }

    [Fact]
    public void Tiktoken_Gpt2KnownIds()
    {
        var tokenizer = Gpt2();
        Assert.Equal([15496, 995], tokenizer.EncodeToIds("Hello world"));
        // GPT-2 adds no special tokens; "<|endoftext|>" in text is its special token 50256.
        Assert.Equal([50256], tokenizer.EncodeToIds("<|endoftext|>"));
    }

    [Fact]
    public void Tokenize_ConcatenatesInputPlusFirstOutputInSampleOrder()
    {
        var tokenizer = Gpt2();
        Sample[] samples = [new("a", "Hello", [" world", "ignored"]), new("b", "The answer is", [" 42"])];

        var ids = TaskTokenizer.Tokenize(tokenizer, samples, Gpt2Vocab, "task-a");

        Assert.Equal([.. tokenizer.EncodeToIds("Hello world"), .. tokenizer.EncodeToIds("The answer is 42")], ids);
        Assert.Equal([15496, 995], ids[..2]);
    }

    [Fact]
    public void Tokenize_RejectsIdsOutsideVocabularyNamingTheSample()
    {
        // "!" = [0]; "Hello world" = [15496, 995].
        Sample[] samples = [new("first", "", ["!"]), new("q7", "Hello", [" world"])];

        Assert.Equal([0, 15496, 995], TaskTokenizer.Tokenize(Gpt2(), samples, 15497, "task-a"));
        var e = Assert.Throws<BadInputException>(() => TaskTokenizer.Tokenize(Gpt2(), samples, 15496, "datasets/t/train.jsonl"));
        Assert.Equal("datasets/t/train.jsonl: sample 1 (id \"q7\"): token id 15496 is outside the bank's vocabulary (vocab_size 15496)", e.Message);
    }

    [Fact]
    public void Tiktoken_UnknownModelIsBadInput()
    {
        using var dir = Bank("""{"kind": "tiktoken", "model": "no-such-model"}""");
        var e = Assert.Throws<BadInputException>(() => TokenizerFactory.Create(BankInfo.Load(dir.Path)));
        Assert.StartsWith($"{dir.Combine("bank.json")}: tiktoken model \"no-such-model\" is not available (", e.Message);
    }

    [Fact]
    public void SentencePiece_AddsBosAndMergesPieces()
    {
        using var dir = Bank("""{"kind": "sentencepiece", "path": "base_model/tokenizer.model"}""", vocabSize: 16);
        dir.WriteBytes("base_model/tokenizer.model", TinySentencePiece.Build());
        var tokenizer = TokenizerFactory.Create(BankInfo.Load(dir.Path));

        int Id(string piece) => TinySentencePiece.Id(piece);
        Assert.Equal([1, Id("▁hello")], tokenizer.EncodeToIds("hello"));
        Assert.Equal([1, Id("▁hello"), Id("▁"), Id("w"), Id("o"), Id("r"), Id("l"), Id("d")], tokenizer.EncodeToIds("hello world"));

        // Each sample gets its own BOS, as tokenizer(input + output[0]) does per sample.
        Sample[] samples = [new("a", "hel", ["lo"]), new("b", "he", ["llo"])];
        Assert.Equal([1, Id("▁hello"), 1, Id("▁hello")], TaskTokenizer.Tokenize(tokenizer, samples, 16, "t"));

        // Empty text still gets its BOS, as SentencePiece itself does.
        Assert.Equal([1, 1, Id("▁hello")], TaskTokenizer.Tokenize(tokenizer, [new("e", "", [""]), new("h", "", ["hello"])], 16, "t"));
        // Characters outside the model map to <unk> (0): no byte fallback in this model.
        Assert.Equal([1, Id("▁hello"), 0], tokenizer.EncodeToIds("helloz"));
    }

    [Fact]
    public void SentencePiece_MissingOrBrokenModelFile()
    {
        using var dir = Bank("""{"kind": "sentencepiece", "path": "base_model/tokenizer.model"}""", vocabSize: 16);
        var modelPath = Path.Combine(dir.Path, "base_model/tokenizer.model");
        var bank = BankInfo.Load(dir.Path);

        Assert.Equal($"{modelPath}: tokenizer model file does not exist",
            Assert.Throws<BadInputException>(() => TokenizerFactory.Create(bank)).Message);

        dir.Write("base_model/tokenizer.model", "not a protobuf \u0001\u00ff");
        var e = Assert.Throws<BadInputException>(() => TokenizerFactory.Create(bank));
        Assert.StartsWith($"{modelPath}: not a usable SentencePiece BPE model (", e.Message);

        dir.WriteBytes("base_model/tokenizer.model", TinySentencePiece.Build(modelType: 1));
        e = Assert.Throws<BadInputException>(() => TokenizerFactory.Create(bank));
        Assert.Equal($"{modelPath}: not a usable SentencePiece BPE model (model_type is unigram, expected BPE)", e.Message);

        // A character map whose trie is said to be longer than the map.
        dir.WriteBytes("base_model/tokenizer.model", TinySentencePiece.Build(charsMap: [0x00, 0x01, 0x00, 0x00, 1, 2, 3, 4]));
        e = Assert.Throws<BadInputException>(() => TokenizerFactory.Create(bank));
        Assert.Equal($"{modelPath}: not a usable SentencePiece BPE model (precompiled_charsmap's trie size 256 does not fit its 8 bytes)", e.Message);

        dir.Write("base_model/tokenizer_config.json", "{\"add_bos_token\": \"yes\"}");
        e = Assert.Throws<BadInputException>(() => TokenizerFactory.Create(bank));
        Assert.StartsWith($"{dir.Combine("base_model/tokenizer_config.json")}: \"add_bos_token\" is", e.Message);
    }
}
