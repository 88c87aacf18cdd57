using MetaLora.Study;


namespace MetaLora.Tests.Study;

/// <summary>
/// Where Infer's max-new-tokens comes from in the stage graph: the bank (bank.json, an input of every
/// Infer stage) unless --max-new-tokens is given, so naming a bank by its path changes no stage.
/// </summary>
public sealed class InferDefaultsGraphTests
{
    private static StageGraph Graph(params string[] args) => new(StudyOptions.FromCommandLine(["--target=Report", "--metric=all", "--model=all", .. args]));

    /// <summary>Everything that identifies the Infer stages (and the Slurm submission), as text to compare.</summary>
    private static string[] InferStages(StageGraph graph) =>
    [
        .. graph.Group("Infer").Select(s => string.Join(" | ",
            s.Name, string.Join(",", s.Params.Select(p => $"{p.Key}={p.Value}")), string.Join(' ', s.Command), string.Join(",", s.Deps), string.Join(",", s.Outs))),
        string.Join(' ', graph.SlurmSubmitCommand ?? []),
    ];

    [Theory]
    [InlineData(new string[0], new[] { "--bank-dir=data/embedded" })]
    [InlineData(new string[0], new[] { "--bank-dir=data/embedded/" })]
    [InlineData(new[] { "--bank=lots-of-loras" }, new[] { "--bank-dir=data/raw_input" })]
    [InlineData(new[] { "--executor=slurm" }, new[] { "--executor=slurm", "--bank-dir=data/embedded" })]
    [InlineData(new[] { "--engine=openai", "--endpoint=http://gpu1:8000" }, new[] { "--engine=openai", "--endpoint=http://gpu1:8000", "--bank-dir=data/embedded" })]
    public void The_bank_the_Bank_target_makes_and_the_same_folder_named_by_its_path_give_the_same_Infer_stages(string[] made, string[] named)
    {
        var byDefault = InferStages(Graph(made));
        Assert.Equal(byDefault, InferStages(Graph(named)));
        Assert.Equal(14, byDefault.Length - 1);
    }

    [Theory]
    [InlineData]
    [InlineData("--bank=lots-of-loras")]
    [InlineData("--bank-dir=examples/demo-bank")]
    public void Without_the_flag_infer_takes_the_number_from_bank_json_which_every_Infer_stage_reads(params string[] bank)
    {
        var graph = Graph(bank);
        var bankJson = graph.Study.BankDir + "/bank.json";
        foreach (var stage in graph.Group("Infer"))
        {
            Assert.Equal(StageGraph.MaxNewTokensFromBank, stage.Params["max-new-tokens"]);
            Assert.DoesNotContain("--max-new-tokens", stage.Command);
            // Still a readable command: the options in the order infer documents them.
            Assert.EndsWith($"--results-dir results --limit 0 --batch-size 16", string.Join(' ', stage.Command));
            Assert.Contains(bankJson, stage.Deps);
        }
        Assert.DoesNotContain("--max-new-tokens", Graph([.. bank, "--executor=slurm"]).SlurmSubmitCommand!);
    }

    [Theory]
    [InlineData]
    [InlineData("--bank-dir=data/embedded")]
    [InlineData("--bank=lots-of-loras")]
    [InlineData("--bank-dir=examples/demo-bank")]
    public void An_explicit_max_new_tokens_wins_on_every_bank(params string[] bank)
    {
        var graph = Graph([.. bank, "--max-new-tokens=64"]);
        foreach (var stage in graph.Group("Infer"))
        {
            Assert.Equal("64", stage.Params["max-new-tokens"]);
            Assert.Contains("--limit 0 --max-new-tokens 64 --batch-size 16", string.Join(' ', stage.Command));
        }
        Assert.Contains("--limit 0 --max-new-tokens 64 --batch-size 16", string.Join(' ', Graph([.. bank, "--max-new-tokens=64", "--executor=slurm"]).SlurmSubmitCommand!));
        Assert.Equal("64", graph.Study.Recorded()["max-new-tokens"]);
        Assert.Equal("--max-new-tokens=0: expected a whole number >= 1",
            Assert.Throws<BadInputException>(() => StudyOptions.FromCommandLine([.. bank, "--max-new-tokens=0"])).Message);
    }

    [Fact]
    public void A_bundle_records_the_number_infer_used_the_flag_or_the_banks()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["with/datasets/t"]);
        dir.Write("with/bank.json", """{"name": "b", "tokenizer": {"kind": "tiktoken", "model": "gpt2"}, "vocab_size": 5, "tasks": ["t"], "generation": {"max_new_tokens": 48}}""");
        Directory.CreateDirectory(dir["without/datasets/t"]);
        dir.Write("without/bank.json", """{"name": "b", "tokenizer": {"kind": "tiktoken", "model": "gpt2"}, "vocab_size": 5, "tasks": ["t"]}""");

        Assert.Equal("48", StudyOptions.FromCommandLine([$"--bank-dir={dir["with"]}"]).Recorded()["max-new-tokens"]);
        Assert.Equal("256", StudyOptions.FromCommandLine([$"--bank-dir={dir["without"]}"]).Recorded()["max-new-tokens"]);
        Assert.Equal("8", StudyOptions.FromCommandLine([$"--bank-dir={dir["with"]}", "--max-new-tokens=8"]).Recorded()["max-new-tokens"]);
        // The same bank made by the Bank target (--bank with --bank-dir): the same number.
        Assert.Equal("48", StudyOptions.FromCommandLine(["--bank=embedded", $"--bank-dir={dir["with"]}"]).Recorded()["max-new-tokens"]);
    }
}
