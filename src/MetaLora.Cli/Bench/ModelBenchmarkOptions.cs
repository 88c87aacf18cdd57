using static TorchSharp.torch;

namespace MetaLora.Cli.Bench;

/// <summary>The model and workload that <see cref="ModelBenchmark"/> times.</summary>
internal sealed record ModelBenchmarkOptions
{
    public int Vocab { get; init; } = 8192;
    public int Hidden { get; init; } = 256;
    public int Intermediate { get; init; } = 896;
    public int Layers { get; init; } = 4;
    public int Heads { get; init; } = 8;
    public int KeyValueHeads { get; init; } = 4;

    /// <summary>Prompts generated at once (left-padded batch).</summary>
    public int Batch { get; init; } = 1;
    public int PromptTokens { get; init; } = 32;
    public int NewTokens { get; init; } = 64;

    public int TrainBatch { get; init; } = 8;
    public int TrainTokens { get; init; } = 64;
    public int TrainSteps { get; init; } = 10;
    public int Rank { get; init; } = 16;

    public int Runs { get; init; } = 5;
    public Device? Device { get; init; }
    public long Seed { get; init; }
}
