namespace MetaLora.Bank.Embedded;

/// <summary>
/// Sizes of the embedded bank. The defaults are the shipped bank (32 tasks, built in minutes on two
/// cores); tests and CI shrink them through the same options.
/// </summary>
internal sealed record EmbeddedBankOptions
{
    /// <summary>The first N tasks of <see cref="TaskCatalog"/> (0: all).</summary>
    public int Tasks { get; init; }

    /// <summary>Only these tasks or families (by name), after <see cref="Tasks"/>; empty for all. For experiments on a few families.</summary>
    public IReadOnlyList<string> Only { get; init; } = [];
    public int Seed { get; init; }

    public int TrainSamples { get; init; } = 300;
    public int ValidSamples { get; init; } = 16;
    public int TestSamples { get; init; } = 32;
    /// <summary>Many distinct samples, few repeats: with a few thousand the base memorised lists instead of learning to copy.</summary>
    public int GenericSamples { get; init; } = 40000;

    public int HiddenSize { get; init; } = 128;
    public int Layers { get; init; } = 2;
    public int Heads { get; init; } = 4;
    public int KeyValueHeads { get; init; } = 2;
    public int IntermediateSize { get; init; } = 384;

    public int BaseSteps { get; init; } = 1300;
    public int BaseBatch { get; init; } = 64;
    public double BaseLearningRate { get; init; } = 6e-3;

    /// <summary>
    /// Torch threads of the base model's training, which runs alone before the adapters. A fixed count
    /// (not the machine's), so the result is the same on every machine; it is part of the bank's bytes.
    /// Default 1: whether two threads help this small model on a quiet 2-core machine is not measured;
    /// on a loaded one they were slower (the threads wait for each other to be scheduled).
    /// </summary>
    public int BaseThreads { get; init; } = 1;

    public int LoraRank { get; init; } = 8;
    public double LoraAlpha { get; init; } = 16;
    /// <summary>All seven projections: on a model this small, q_proj and v_proj alone did not learn the tasks (loss stuck above 2).</summary>
    public IReadOnlyList<string> LoraTargets { get; init; } = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];
    public int LoraSteps { get; init; } = 300;
    public int LoraBatch { get; init; } = 16;
    public double LoraLearningRate { get; init; } = 1e-2;

    /// <summary>
    /// Start every adapter from the same random A (B is zero anyway), so that all adapters live in one
    /// basis and a weighted sum of their A's and of their B's (the paper's mixing) stays meaningful;
    /// otherwise each task's A comes from its own seed. Measured on 14 tasks: predicted adapters scored
    /// 0.21-0.23 Rouge-L against the base's 0.12 with a shared A, about the base's score without.
    /// </summary>
    public bool SharedAdapterInit { get; init; } = true;

    /// <summary>Adapters trained at once, each on its own thread with one torch thread (tiny models gain nothing from intra-op threads).</summary>
    public int Workers { get; init; } = 2;

    /// <summary>Everything that determines the bank's bytes (Workers does not), for the resume check.</summary>
    public string Fingerprint() => string.Join(";",
        Tasks, string.Join(",", Only), Seed, TrainSamples, ValidSamples, TestSamples, GenericSamples, HiddenSize, Layers, Heads, KeyValueHeads, IntermediateSize,
        BaseSteps, BaseBatch, BaseLearningRate, BaseThreads, LoraRank, LoraAlpha, string.Join(",", LoraTargets), LoraSteps, LoraBatch, LoraLearningRate, SharedAdapterInit);
}
