using System.Security.Cryptography;
using System.Text.Json;
using MetaLora.Bank;
using MetaLora.Bank.Embedded;
using MetaLora.Stages;
using static TorchSharp.torch;
using MetaLora.Distances;
using MetaLora.Inference;
using MetaLora.Layout;
using MetaLora.Prediction.Coefficients;

namespace MetaLora.Tests.Stages;

/// <summary>Infer on a real (tiny, barely trained) embedded bank: outputs, resuming, shards, bad input.</summary>
public sealed class InferStageTests : IDisposable
{
    private readonly TempDir _work = new();
    private readonly int _threads = get_num_threads();

    private static readonly EmbeddedBankOptions Tiny = new()
    {
        Tasks = 4, TrainSamples = 16, ValidSamples = 2, TestSamples = 5, GenericSamples = 80,
        HiddenSize = 32, IntermediateSize = 64, Heads = 4, KeyValueHeads = 2, Layers = 1,
        BaseSteps = 3, BaseBatch = 8, LoraSteps = 2, LoraBatch = 8,
    };

    public InferStageTests()
    {
        EmbeddedBankBuilder.Build(_work["bank"], Tiny);
    }

    public void Dispose()
    {
        set_num_threads(_threads);
        _work.Dispose();
    }

    private BankInfo Bank => BankInfo.Load(_work["bank"]);
    private DataLayout Data => new(_work["data"]);
    private ResultsLayout Results(string name = "results") => new(_work[name]);
    private static readonly InferPipeline Finetuned = InferPipeline.Parse("finetuned")[0];
    private static readonly InferOptions Options = new() { MaxNewTokens = 6, BatchSize = 2, Workers = 2 };

    [Fact]
    public void WritesOneLinePerTestSampleWithIdInputReferenceAndTrimmedPrediction()
    {
        var summary = InferStage.Run(Bank, Data, Results(), Finetuned, Options);
        Assert.Equal(new InferSummary(4, 4, 0, 20, 0), summary);
        foreach (var task in Bank.Tasks)
        {
            var test = Dataset.ReadSplit(Bank.DatasetDir(task), "test");
            var lines = File.ReadAllLines(Results().OutputFile("finetuned", task));
            Assert.Equal(test.Count, lines.Length);
            for (var i = 0; i < lines.Length; i++)
            {
                using var row = JsonDocument.Parse(lines[i]);
                Assert.Equal(test[i].Id, row.RootElement.GetProperty("id").GetString());
                Assert.Equal(test[i].Input, row.RootElement.GetProperty("input").GetString());
                Assert.Equal(test[i].Output[0], row.RootElement.GetProperty("reference").GetString());
                var prediction = row.RootElement.GetProperty("prediction").GetString()!;
                Assert.Equal(prediction.Trim(), prediction);
            }
        }
    }

    [Fact]
    public void ARerunKeepsFinishedTasksAndRedoesOnlyAMissingOne()
    {
        InferStage.Run(Bank, Data, Results(), Finetuned, Options);
        var before = Hashes(Results());
        Assert.Equal(new InferSummary(4, 0, 4, 0, 0), InferStage.Run(Bank, Data, Results(), Finetuned, Options));

        File.Delete(Results().OutputFile("finetuned", Bank.Tasks[2]));
        var again = InferStage.Run(Bank, Data, Results(), Finetuned, Options);
        Assert.Equal((1, 3), (again.Generated, again.Kept));
        Assert.Equal(before, Hashes(Results()));

        // Other settings are other results: every task is redone.
        Assert.Equal(4, InferStage.Run(Bank, Data, Results(), Finetuned, Options with { MaxNewTokens = 3 }).Generated);
    }

    [Fact]
    public void ShardsTogetherWriteTheSameBytesAsOneRun()
    {
        InferStage.Run(Bank, Data, Results("whole"), Finetuned, Options);
        var first = InferStage.Run(Bank, Data, Results("sharded"), Finetuned, Options with { Shard = Shard.Parse("0/3"), Workers = 1 });
        Assert.Equal(2, first.Tasks); // tasks 0 and 3
        Assert.Equal([Bank.Tasks[0] + ".jsonl", Bank.Tasks[3] + ".jsonl"],
            Directory.GetFiles(Results("sharded").OutputsDir("finetuned")).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal));
        InferStage.Run(Bank, Data, Results("sharded"), Finetuned, Options with { Shard = Shard.Parse("1/3") });
        Assert.NotEqual(Hashes(Results("whole")), Hashes(Results("sharded")));
        InferStage.Run(Bank, Data, Results("sharded"), Finetuned, Options with { Shard = Shard.Parse("2/3") });
        Assert.Equal(Hashes(Results("whole")), Hashes(Results("sharded")));
    }

    [Fact]
    public void TheBasePipelineRunsWithoutAdaptersAndAChangedAdapterRedoesOnlyItsTask()
    {
        var basePipeline = InferPipeline.Parse("base")[0];
        InferStage.Run(Bank, Data, Results(), basePipeline, Options);
        InferStage.Run(Bank, Data, Results(), Finetuned, Options);
        Assert.Equal(4, Directory.GetFiles(Results().OutputsDir("base")).Length);

        // Replace one task's adapter with another's: only that task is redone.
        var tasks = Bank.Tasks;
        File.Copy(Path.Combine(Bank.AdapterDir(tasks[0]), "adapter_model.safetensors"), Path.Combine(Bank.AdapterDir(tasks[1]), "adapter_model.safetensors"), overwrite: true);
        var again = InferStage.Run(Bank, Data, Results(), Finetuned, Options);
        Assert.Equal((1, 3), (again.Generated, again.Kept));
    }

    [Fact]
    public void AMissingPredictedAdapterFailsBeforeAnyGenerationNamingTheFolder()
    {
        var pipeline = InferPipeline.Predicted(Metric.KL, CoefficientModel.BaseVersion);
        var e = Assert.Throws<BadInputException>(() => InferStage.Run(Bank, Data, Results(), pipeline, Options));
        Assert.Contains(Path.Combine("predicted_adapters", "KL", "base_version", Bank.Tasks[0]), e.Message);
        Assert.Contains("Predict", e.Message);
        Assert.False(Directory.Exists(Results().OutputsDir(pipeline.Name)));
    }

    [Fact]
    public void PipelineAndShardNamesParseOrFailClearly()
    {
        Assert.Equal(14, InferPipeline.Parse("all").Count);
        Assert.Equal(["base", "finetuned", "WD_base_version"], InferPipeline.All.Take(3).Select(p => p.Name));
        Assert.Equal(["finetuned", "KL_mlp_version"], InferPipeline.Parse("kl_MLP_version, finetuned").Select(p => p.Name));
        Assert.Contains("unknown pipeline 'KL'", Assert.Throws<BadInputException>(() => InferPipeline.Parse("KL")).Message);
        Assert.Equal(new Shard(1, 4), Shard.Parse("1/4"));
        Assert.True(new Shard(1, 4).Includes(5));
        Assert.False(new Shard(1, 4).Includes(6));
        foreach (var bad in new[] { "4/4", "-1/2", "1", "a/b", "0/0" })
            Assert.Throws<BadInputException>(() => Shard.Parse(bad));
    }

    private static SortedDictionary<string, string> Hashes(ResultsLayout results)
    {
        var dir = results.OutputsDir("finetuned");
        return new SortedDictionary<string, string>(
            Directory.GetFiles(dir).ToDictionary(f => Path.GetFileName(f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))),
            StringComparer.Ordinal);
    }
}
