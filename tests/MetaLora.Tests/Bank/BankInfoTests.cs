using MetaLora.Bank;

namespace MetaLora.Tests.Bank;

public sealed class BankInfoTests
{
    private const string Valid = """
        {"name": "demo", "base_model": "base_model", "tokenizer": {"kind": "tiktoken", "model": "gpt2"},
         "vocab_size": 50257, "tasks": ["task-a", "task_b", "c.3"]}
        """;

    private static TempDir Bank(string json, params string[] datasetFolders)
    {
        var dir = new TempDir();
        dir.Write("bank.json", json);
        foreach (var task in datasetFolders) Directory.CreateDirectory(dir.Combine(Path.Combine("datasets", task)));
        return dir;
    }

    private static string LoadError(string json, params string[] datasetFolders)
    {
        using var dir = Bank(json, datasetFolders);
        var e = Assert.Throws<BadInputException>(() => BankInfo.Load(dir.Path));
        var prefix = dir.Combine("bank.json") + ": ";
        Assert.StartsWith(prefix, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        return e.Message[prefix.Length..];
    }

    [Fact]
    public void Load_ReadsAllFields()
    {
        using var dir = Bank(Valid, "task-a", "task_b", "c.3");
        var bank = BankInfo.Load(dir.Path);

        Assert.Equal(dir.Path, bank.Directory);
        Assert.Equal("demo", bank.Name);
        Assert.Equal("base_model", bank.BaseModel);
        Assert.Equal(new TokenizerSpec("tiktoken", "gpt2", null), bank.Tokenizer);
        Assert.Equal(50257, bank.VocabSize);
        Assert.Equal(["task-a", "task_b", "c.3"], bank.Tasks);
        Assert.Equal(Path.Combine(dir.Path, "datasets", "task_b"), bank.DatasetDir("task_b"));
        Assert.Equal(Path.Combine(dir.Path, "bank.json"), bank.JsonPath);
    }

    [Fact]
    public void Load_SentencePieceTokenizerAndNoBaseModel()
    {
        using var dir = Bank("""
            {"name": "m", "tokenizer": {"kind": "sentencepiece", "path": "base_model/tokenizer.model"}, "vocab_size": 32000, "tasks": ["t"]}
            """, "t");
        var bank = BankInfo.Load(dir.Path);
        Assert.Null(bank.BaseModel);
        Assert.Equal(new TokenizerSpec("sentencepiece", null, "base_model/tokenizer.model"), bank.Tokenizer);
    }

    [Fact]
    public void Take_FirstTasksOrAll()
    {
        using var dir = Bank(Valid, "task-a", "task_b", "c.3");
        var bank = BankInfo.Load(dir.Path);
        Assert.Equal(["task-a", "task_b"], bank.Take(2));
        Assert.Equal(bank.Tasks, bank.Take(0));
        Assert.Equal(bank.Tasks, bank.Take(10));
        Assert.Throws<ArgumentOutOfRangeException>(() => bank.Take(-1));
    }

    [Fact]
    public void Load_MissingFolderOrFile()
    {
        using var dir = new TempDir();
        var missing = dir.Combine("nope");
        Assert.Equal($"{missing}: bank folder does not exist", Assert.Throws<BadInputException>(() => BankInfo.Load(missing)).Message);
        Assert.Equal($"{dir.Combine("bank.json")}: missing (every bank folder has a bank.json)",
            Assert.Throws<BadInputException>(() => BankInfo.Load(dir.Path)).Message);
    }

    [Fact]
    public void Load_InvalidJsonNamesLine()
    {
        using var dir = Bank("{\n  \"name\": \"x\",\n  \"vocab_size\": ,\n}");
        var e = Assert.Throws<BadInputException>(() => BankInfo.Load(dir.Path));
        Assert.StartsWith($"{dir.Combine("bank.json")}:3: invalid JSON (", e.Message);
    }

    [Theory]
    [InlineData("[1, 2]", "expected a JSON object")]
    [InlineData("""{"tokenizer": {"kind": "tiktoken", "model": "gpt2"}, "vocab_size": 5, "tasks": ["t"]}""", "missing \"name\"")]
    [InlineData("""{"name": 3, "tokenizer": {"kind": "tiktoken", "model": "gpt2"}, "vocab_size": 5, "tasks": ["t"]}""", "\"name\" must be a string, found 3")]
    [InlineData("""{"name": "", "tokenizer": {"kind": "tiktoken", "model": "gpt2"}, "vocab_size": 5, "tasks": ["t"]}""", "\"name\" is empty")]
    [InlineData("""{"name": "n", "base_model": false, "tokenizer": {"kind": "tiktoken", "model": "gpt2"}, "vocab_size": 5, "tasks": ["t"]}""", "\"base_model\" must be a string, found false")]
    [InlineData("""{"name": "n", "vocab_size": 5, "tasks": ["t"]}""", "missing \"tokenizer\"")]
    [InlineData("""{"name": "n", "tokenizer": "gpt2", "vocab_size": 5, "tasks": ["t"]}""", "\"tokenizer\" must be an object, found a string")]
    [InlineData("""{"name": "n", "tokenizer": {"model": "gpt2"}, "vocab_size": 5, "tasks": ["t"]}""", "missing \"tokenizer.kind\"")]
    [InlineData("""{"name": "n", "tokenizer": {"kind": "tiktoken-compact", "model": "gpt2"}, "vocab_size": 5, "tasks": ["t"]}""", "missing \"tokenizer.path\"")]
    [InlineData("""{"name": "n", "tokenizer": {"kind": "bpe"}, "vocab_size": 5, "tasks": ["t"]}""", "unknown tokenizer kind \"bpe\" (valid kinds: tiktoken, sentencepiece, tiktoken-compact)")]
    [InlineData("""{"name": "n", "tokenizer": {"kind": "tiktoken"}, "vocab_size": 5, "tasks": ["t"]}""", "missing \"tokenizer.model\"")]
    [InlineData("""{"name": "n", "tokenizer": {"kind": "sentencepiece", "path": 1}, "vocab_size": 5, "tasks": ["t"]}""", "\"tokenizer.path\" must be a string, found 1")]
    [InlineData("""{"name": "n", "tokenizer": {"kind": "tiktoken", "model": "gpt2"}, "tasks": ["t"]}""", "missing \"vocab_size\"")]
    [InlineData("""{"name": "n", "tokenizer": {"kind": "tiktoken", "model": "gpt2"}, "vocab_size": "5", "tasks": ["t"]}""", "\"vocab_size\" must be an integer, found a string")]
    [InlineData("""{"name": "n", "tokenizer": {"kind": "tiktoken", "model": "gpt2"}, "vocab_size": 2.5, "tasks": ["t"]}""", "\"vocab_size\" must be an integer, found 2.5")]
    [InlineData("""{"name": "n", "tokenizer": {"kind": "tiktoken", "model": "gpt2"}, "vocab_size": 1, "tasks": ["t"]}""", "\"vocab_size\" must be at least 2, found 1")]
    [InlineData("""{"name": "n", "tokenizer": {"kind": "tiktoken", "model": "gpt2"}, "vocab_size": 5}""", "missing \"tasks\"")]
    [InlineData("""{"name": "n", "tokenizer": {"kind": "tiktoken", "model": "gpt2"}, "vocab_size": 5, "tasks": "t"}""", "\"tasks\" must be a list of task names, found a string")]
    [InlineData("""{"name": "n", "tokenizer": {"kind": "tiktoken", "model": "gpt2"}, "vocab_size": 5, "tasks": []}""", "\"tasks\" is empty")]
    [InlineData("""{"name": "n", "tokenizer": {"kind": "tiktoken", "model": "gpt2"}, "vocab_size": 5, "tasks": ["t", {"x": 1}]}""", "\"tasks\"[1] must be a string, found an object")]
    [InlineData("""{"name": "n", "tokenizer": {"kind": "tiktoken", "model": "gpt2"}, "vocab_size": 5, "tasks": ["t", "u", "t"]}""", "task \"t\" is listed twice")]
    [InlineData("""{"name": "n", "tokenizer": {"kind": "tiktoken", "model": "gpt2"}, "vocab_size": 5, "tasks": ["t", "T"]}""", "task \"T\" is listed twice (as \"t\"; names must differ beyond letter case)")]
    public void Load_RejectsBadFields(string json, string problem)
    {
        Assert.Equal(problem, LoadError(json, "t", "u"));
    }

    private static string WithGeneration(string generation) =>
        $$"""{"name": "n", "tokenizer": {"kind": "tiktoken", "model": "gpt2"}, "vocab_size": 5, "tasks": ["t"], "generation": {{generation}}}""";

    [Theory]
    [InlineData(null, 256)]
    [InlineData("null", 256)]
    [InlineData("{}", 256)]
    [InlineData("""{"max_new_tokens": null}""", 256)]
    [InlineData("""{"max_new_tokens": 48}""", 48)]
    [InlineData("""{"max_new_tokens": 1}""", 1)]
    [InlineData("""{"max_new_tokens": 4096}""", 4096)]
    public void Load_ReadsGenerationSettingsWithThePapersDefault(string? generation, int maxNewTokens)
    {
        var json = generation is null
            ? """{"name": "n", "tokenizer": {"kind": "tiktoken", "model": "gpt2"}, "vocab_size": 5, "tasks": ["t"]}"""
            : WithGeneration(generation);
        using var dir = Bank(json, "t");
        Assert.Equal(new BankGeneration(maxNewTokens), BankInfo.Load(dir.Path).Generation);
    }

    [Theory]
    [InlineData("48", "\"generation\" must be an object, found 48")]
    [InlineData("[48]", "\"generation\" must be an object, found a list")]
    [InlineData("""{"max_new_tokens": "48"}""", "\"generation.max_new_tokens\" must be an integer, found a string")]
    [InlineData("""{"max_new_tokens": 48.5}""", "\"generation.max_new_tokens\" must be an integer, found 48.5")]
    [InlineData("""{"max_new_tokens": 1e12}""", "\"generation.max_new_tokens\" must be an integer, found 1e12")]
    [InlineData("""{"max_new_tokens": true}""", "\"generation.max_new_tokens\" must be an integer, found true")]
    [InlineData("""{"max_new_tokens": 0}""", "\"generation.max_new_tokens\" must be at least 1, found 0")]
    [InlineData("""{"max_new_tokens": -5}""", "\"generation.max_new_tokens\" must be at least 1, found -5")]
    [InlineData("""{"max_tokens": 48}""", "unknown key \"generation.max_tokens\" (valid keys: max_new_tokens)")]
    [InlineData("""{"max_new_tokens": 48, "chat_template": "x"}""", "unknown key \"generation.chat_template\" (valid keys: max_new_tokens)")]
    [InlineData("""{"max_new_tokens": 48, "max_new_tokens": 64}""", "\"generation.max_new_tokens\" is given twice")]
    public void Load_RejectsBadGenerationSettings(string generation, string problem)
    {
        Assert.Equal(problem, LoadError(WithGeneration(generation), "t"));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData(".hidden")]
    [InlineData("-flag")]
    [InlineData("with space")]
    [InlineData("")]
    public void Load_RejectsUnsafeTaskNames(string task)
    {
        var json = $$"""{"name": "n", "tokenizer": {"kind": "tiktoken", "model": "gpt2"}, "vocab_size": 5, "tasks": ["t", "{{task}}"]}""";
        Assert.StartsWith($"task name \"{task}\" is not a safe folder name", LoadError(json, "t"));
    }

    [Fact]
    public void Load_MissingDatasetFolderNamesIt()
    {
        using var dir = Bank(Valid, "task-a", "c.3");
        var e = Assert.Throws<BadInputException>(() => BankInfo.Load(dir.Path));
        Assert.Equal($"{dir.Combine("bank.json")}: task \"task_b\" has no dataset folder {Path.Combine(dir.Path, "datasets", "task_b")}", e.Message);
    }
}
