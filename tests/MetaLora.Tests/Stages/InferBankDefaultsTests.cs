using MetaLora.Bank;
using MetaLora.Bank.Embedded;
using MetaLora.Tests.Serving;
using MetaLora.Tests.Support;
using MetaLora.Study;

namespace MetaLora.Tests.Stages;

/// <summary>
/// <c>lora infer</c>, its shards, <c>lora slurm</c> and the openai engine take max-new-tokens from the bank
/// unless told, and agree with the Infer stages the build script runs.
/// </summary>
public sealed class InferBankDefaultsTests(GenerationBank bank) : IClassFixture<GenerationBank>
{
    private string[] Infer(string name, params string[] more) =>
        ["infer", "--pipeline", "base,finetuned", "--bank-dir", bank.Bank, "--data-dir", bank.Folder(name + "-data"), "--results-dir", bank.Folder(name), .. more];

    private ProcessResult Run(params string[] args)
    {
        var result = bank.Lora(args);
        Assert.True(result.ExitCode == 0, $"lora {string.Join(' ', args)}: {result.Output}");
        return result;
    }

    private SortedDictionary<string, byte[]> Outputs(string name) => ServedStudy.Outputs(bank.Folder(name));

    [Fact]
    public void The_embedded_bank_says_48_and_infer_without_the_flag_generates_with_the_banks_number()
    {
        Assert.Equal(new BankGeneration(EmbeddedBankBuilder.MaxNewTokens), bank.BuiltGeneration);
        Assert.Equal(48, EmbeddedBankBuilder.MaxNewTokens);

        Run(Infer("from-bank"));
        Run(Infer("flag-5", "--max-new-tokens", "5"));
        Run(Infer("flag-6", "--max-new-tokens", "6"));
        Assert.Equal(2 * 4, Outputs("from-bank").Count);
        Assert.Equal(Outputs("flag-5"), Outputs("from-bank"));
        // The limit binds on this bank, so any other number (the paper's 256 included) would show.
        Assert.NotEqual(Outputs("flag-6"), Outputs("from-bank"));
    }

    [Fact]
    public void Shards_run_without_the_flag_are_up_to_date_for_the_Infer_stage_the_build_script_runs()
    {
        var data = bank.Folder("shards-data");
        var results = bank.Folder("shards");
        foreach (var shard in new[] { "0/2", "1/2" })
            Run("infer", "--pipeline", "base", "--bank-dir", bank.Bank, "--data-dir", data, "--results-dir", results, "--shard", shard);
        var sharded = Outputs("shards");
        Assert.Equal(4, sharded.Count);

        // The command the build script's Infer.base stage runs on this bank, by default and with the bank's number given.
        foreach (var flag in new[] { Array.Empty<string>(), [$"--max-new-tokens={GenerationBank.BankMaxNewTokens}"] })
        {
            var stage = new StageGraph(StudyOptions.FromCommandLine(["--target=Infer", $"--bank-dir={bank.Bank}", $"--data-dir={data}", $"--results-dir={results}", .. flag]))
                .Group("Infer").Single(s => s.Name == "Infer.base");
            Assert.Contains($"{bank.Bank}/bank.json", stage.Deps);
            var run = Run([.. stage.Command]);
            Assert.Contains("Infer.base: 0 of 4 tasks generated (0 samples), 4 up to date", run.Stdout);
            Assert.Equal(sharded, Outputs("shards"));
        }

        // Another number is other results: every task is redone.
        var other = Run("infer", "--pipeline", "base", "--bank-dir", bank.Bank, "--data-dir", data, "--results-dir", results, "--max-new-tokens", "6");
        Assert.Contains("Infer.base: 4 of 4 tasks generated", other.Stdout);
    }

    [Fact]
    public void Lora_slurm_writes_the_banks_number_into_the_script_unless_told()
    {
        string Script(string name, params string[] more)
        {
            var results = bank.Folder(name);
            Run(["slurm", "submit", "--pipeline", "base", "--bank-dir", bank.Bank, "--data-dir", bank.Folder(name + "-data"), "--results-dir", results,
                 "--shards", "2", "--dry-run", .. more]);
            return File.ReadAllText(Path.Combine(results, "slurm", "infer.sbatch"));
        }

        Assert.Contains($"--max-new-tokens {GenerationBank.BankMaxNewTokens} --batch-size 16", Script("slurm-bank"));
        Assert.Contains("--max-new-tokens 7 --batch-size 16", Script("slurm-flag", "--max-new-tokens", "7"));
    }

    [Fact]
    public void The_openai_engine_sends_the_banks_number_unless_told()
    {
        // Local Infer told the bank's number: what the server must answer when Infer sends the bank's.
        Run(Infer("local", "--max-new-tokens", $"{GenerationBank.BankMaxNewTokens}"));
        using var server = new ServeProcess(bank.Root, null, "--bank-dir", bank.Bank);
        Run(Infer("served", "--engine", "openai", "--endpoint", server.Url));
        Assert.Equal(Outputs("local"), Outputs("served"));
        Run(Infer("served-6", "--engine", "openai", "--endpoint", server.Url, "--max-new-tokens", "6"));
        Assert.NotEqual(Outputs("local"), Outputs("served-6"));
        Assert.Equal(2 * 4, Outputs("served-6").Count);
    }
}
