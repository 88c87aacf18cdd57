using MetaLora.Bank.Embedded;

namespace MetaLora.Tests.Support;

/// <summary>Options of an embedded bank small enough to build in a second or two: one layer of width 32, a few training steps.</summary>
internal static class TinyEmbeddedBank
{
    public static EmbeddedBankOptions Options(int tasks = 4, int testSamples = 5, int baseSteps = 3, int loraSteps = 2) => new()
    {
        Tasks = tasks, TrainSamples = 16, ValidSamples = 2, TestSamples = testSamples, GenericSamples = 80,
        HiddenSize = 32, IntermediateSize = 64, Heads = 4, KeyValueHeads = 2, Layers = 1,
        BaseSteps = baseSteps, BaseBatch = 8, LoraSteps = loraSteps, LoraBatch = 8,
    };
}
