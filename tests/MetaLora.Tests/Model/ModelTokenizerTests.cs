using MetaLora.Model;
using MetaLora.Tests.Tokenization;

namespace MetaLora.Tests.Model;

public sealed class ModelTokenizerTests
{
    private static readonly MistralConfig Config = MistralConfig.Create(vocabSize: 32, hiddenSize: 16, intermediateSize: 16,
        numHiddenLayers: 1, numAttentionHeads: 2, numKeyValueHeads: 1, bosTokenId: 1, eosTokenId: 2);

    private static TempDir Folder(string? tokenizerConfig = null)
    {
        var dir = new TempDir();
        dir.WriteBytes("tokenizer.model", TinySentencePiece.Build());
        if (tokenizerConfig is not null) dir.Write("tokenizer_config.json", tokenizerConfig);
        return dir;
    }

    [Fact]
    public void SentencePieceFromTheFolderAddsBosByDefault()
    {
        using var dir = Folder();
        var tokenizer = ModelTokenizer.FromFolder(dir.Path, Config);
        Assert.Equal([1, TinySentencePiece.Id("▁hello")], tokenizer.EncodeToIds("hello"));
        Assert.Equal("hello", tokenizer.Decode([1, TinySentencePiece.Id("▁hello")]));
    }

    [Fact]
    public void TokenizerConfigDecidesBosAndEos()
    {
        using var dir = Folder("""{"add_bos_token": false, "add_eos_token": true, "model_max_length": 100}""");
        var tokenizer = ModelTokenizer.FromFolder(dir.Path, Config);
        Assert.Equal([TinySentencePiece.Id("▁hello"), 2], tokenizer.EncodeToIds("hello"));
    }

    [Fact]
    public void BosOrEosDisagreeingWithTheModelConfigIsAnError()
    {
        using var dir = Folder();
        var e = Assert.Throws<BadInputException>(() => ModelTokenizer.FromFolder(dir.Path, Config.With("bos_token_id", 5)));
        Assert.Equal($"{dir["tokenizer.model"]}: BOS is id 1, but config.json says bos_token_id = 5", e.Message);
        e = Assert.Throws<BadInputException>(() => ModelTokenizer.FromFolder(dir.Path, Config.With("eos_token_id", 7)));
        Assert.Contains("EOS is id 2", e.Message);
    }

    [Fact]
    public void MissingOrBadFilesAreOneLineErrors()
    {
        using var empty = new TempDir();
        var e = Assert.Throws<BadInputException>(() => ModelTokenizer.FromFolder(empty.Path, Config));
        Assert.StartsWith($"{empty.Path}: no tokenizer.model", e.Message);

        using var dir = Folder("""{"add_bos_token": "yes"}""");
        e = Assert.Throws<BadInputException>(() => ModelTokenizer.FromFolder(dir.Path, Config));
        Assert.Equal($"{dir["tokenizer_config.json"]}: \"add_bos_token\" is a string, expected true or false", e.Message);
    }

    [Fact]
    public void BuiltinTiktokenByName()
    {
        Assert.Equal([15496, 995], ModelTokenizer.Builtin("gpt2", "bank.json").EncodeToIds("Hello world"));
        var e = Assert.Throws<BadInputException>(() => ModelTokenizer.Builtin("no-such-model", "bank.json"));
        Assert.StartsWith("bank.json: tiktoken model \"no-such-model\" is not available", e.Message);
    }
}
