using System.Text.Json.Nodes;
using MetaLora.Bank;
using MetaLora.Tests.Support;

namespace MetaLora.Tests.Stages;

/// <summary>
/// A barely trained bank (one training step: its answers run to the limit rather than stop) whose bank.json
/// says <c>"generation": {"max_new_tokens": 5}</c>: built once for the tests of where the tool's verbs take
/// max-new-tokens from.
/// </summary>
public sealed class GenerationBank : IDisposable
{
    private readonly TempDir _work = new();

    public const int BankMaxNewTokens = 5;

    public GenerationBank()
    {
        var build = Lora("bank", "build", "--out", Bank, "--tasks", "4", "--train-samples", "16", "--valid-samples", "2", "--test-samples", "5",
            "--generic-samples", "80", "--hidden", "32", "--intermediate", "64", "--base-steps", "1", "--lora-steps", "1", "--lora-batch", "8");
        Assert.True(build.ExitCode == 0, build.Output);
        BuiltGeneration = BankInfo.Load(Bank).Generation;
        var json = JsonNode.Parse(File.ReadAllText(BankJson))!;
        json[BankGeneration.Key]![BankGeneration.MaxNewTokensKey] = BankMaxNewTokens;
        File.WriteAllText(BankJson, json.ToJsonString());
    }

    public string Root => _work.Path;
    public string Bank => _work["bank"];
    public string BankJson => Path.Combine(Bank, BankInfo.FileName);

    /// <summary>What the builder wrote, before the fixture changed it.</summary>
    internal BankGeneration BuiltGeneration { get; }

    /// <summary>A fresh folder under the fixture's.</summary>
    public string Folder(string name) => Directory.CreateDirectory(_work[name]).FullName;

    public ProcessResult Lora(params string[] args) => ToolProcess.Lora(Root, args);

    public void Dispose() => _work.Dispose();
}
