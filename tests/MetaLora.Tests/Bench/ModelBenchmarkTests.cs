using MetaLora.Cli.Bench;
using MetaLora.Model;
using MetaLora.Tests.Prediction;

namespace MetaLora.Tests.Bench;

[Collection(TorchState.Name)]
public sealed class ModelBenchmarkTests
{
    [Fact]
    public void BenchmarkRunsOnATinyModelAndReportsEveryRun()
    {
        var t = ModelBenchmark.Run(new ModelBenchmarkOptions
        {
            Vocab = 64, Hidden = 32, Intermediate = 48, Layers = 1, Heads = 4, KeyValueHeads = 2,
            Batch = 3, PromptTokens = 5, NewTokens = 4, TrainBatch = 2, TrainTokens = 6, TrainSteps = 2, Rank = 2, Runs = 2,
        });
        Assert.Equal(2, t.CachedTokensPerSecond.Count);
        Assert.All(t.CachedTokensPerSecond.Concat(t.UncachedTokensPerSecond).Concat(t.TrainStepMilliseconds), v => Assert.True(v > 0));
        // r (in + out) per projection, r = 2: q 32->32, k and v 32->16, o 32->32, gate and up 32->48, down 48->32.
        Assert.Equal(2 * (64 + 48 + 48 + 64 + 80 + 80 + 80), t.LoraParameters);
        Assert.Equal(2.0, ModelTimings.Median([3.0, 1.0, 2.0]));
        Assert.Equal(2.5, ModelTimings.Median([3.0, 1.0, 2.0, 4.0]));
    }

    [Fact]
    public void DeviceNamesAreCheckedWithOneLineErrors()
    {
        Assert.Equal(TorchSharp.DeviceType.CPU, MistralForCausalLM.ParseDevice("cpu").type);
        Assert.Equal("--device gpu: expected cpu or cuda", Assert.Throws<BadInputException>(() => MistralForCausalLM.ParseDevice("gpu")).Message);
        if (!TorchSharp.torch.cuda.is_available())
            Assert.StartsWith("--device cuda: CUDA is not available", Assert.Throws<BadInputException>(() => MistralForCausalLM.ParseDevice("cuda")).Message);
    }
}
