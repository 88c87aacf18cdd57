using MetaLora.Bank.Embedded;
using MetaLora.Model;
using MetaLora.Tests.Support;
using static TorchSharp.torch;
using MetaLora.Inference.Local;

namespace MetaLora.Tests.Stages;

/// <summary>
/// A task's Infer key holds what changes its result and nothing of the machine: run on a one-core and
/// on a three-core machine (as .NET sees them), the same bank gives the same bytes, and the second
/// machine finds every task up to date, as a Slurm node with other cores than the submitting host must.
/// The base model is made large enough (over <see cref="LocalInfer.SmallModelBytes"/>) for the path
/// where one worker runs on several torch threads, and wide enough for MKL to split its products.
/// </summary>
public sealed class InferMachineIndependenceTests : IDisposable
{
    private readonly TempDir _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public void Another_core_count_gives_the_same_bytes_and_finds_the_tasks_up_to_date()
    {
        EmbeddedBankBuilder.Build(_work["bank"], TinyEmbeddedBank.Options());
        var modelDir = Path.Combine(_work["bank"], "base_model");
        var small = MistralConfig.Load(Path.Combine(modelDir, MistralConfig.FileName));
        var config = MistralConfig.Create(small.VocabSize, hiddenSize: 2048, intermediateSize: 5632, numHiddenLayers: 2, numAttentionHeads: 16,
            numKeyValueHeads: 4, maxPositionEmbeddings: small.MaxPositionEmbeddings, bosTokenId: small.BosTokenId, eosTokenId: small.EosTokenIds[0]);
        using (var large = MistralForCausalLM.Create(config, seed: 5, ScalarType.Float32))
        {
            foreach (var file in Directory.EnumerateFiles(modelDir, "*.safetensors")) File.Delete(file);
            MistralCheckpoint.Save(large, modelDir);
        }
        Assert.True(Directory.EnumerateFiles(modelDir, "*.safetensors").Sum(f => new FileInfo(f).Length) > LocalInfer.SmallModelBytes);
        ProcessResult Infer(string cores, string results, params string[] extra) =>
            ToolProcess.LoraWithEnvironment(_work.Path, new Dictionary<string, string?> { ["DOTNET_PROCESSOR_COUNT"] = cores },
                ["infer", "--bank-dir", _work["bank"], "--data-dir", _work["data"], "--results-dir", results, "--pipeline", "base", "--max-new-tokens", "6", .. extra]);

        var one = Infer("1", _work["results"]);
        Assert.True(one.ExitCode == 0, one.Output);
        Assert.Contains("4 of 4 tasks generated", one.Output, StringComparison.Ordinal);
        var outputs = Path.Combine(_work["results"], "models_generated_outputs");
        var first = Snapshot(outputs);
        Assert.Equal(4, first.Count);

        var three = Infer("3", _work["results"]);
        Assert.True(three.ExitCode == 0, three.Output);
        Assert.Contains("0 of 4 tasks generated", three.Output, StringComparison.Ordinal);

        // And generated afresh on three cores, the same bytes.
        var again = Infer("3", _work["results-3"]);
        Assert.True(again.ExitCode == 0, again.Output);
        Assert.Equal(first, Snapshot(Path.Combine(_work["results-3"], "models_generated_outputs")));
    }

    private static SortedDictionary<string, string> Snapshot(string dir) => new(
        Directory.EnumerateFiles(dir, "*.jsonl", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(dir, f), f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f)))),
        StringComparer.Ordinal);
}
