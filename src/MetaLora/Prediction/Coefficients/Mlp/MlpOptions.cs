
namespace MetaLora.Prediction.Coefficients.Mlp;

/// <summary>Settings of <see cref="MlpVersion.Train"/>; the defaults are the paper's.</summary>
public sealed record MlpOptions
{
    /// <summary>The paper's hidden width H of f.</summary>
    public const int DefaultHidden = 4000;

    /// <summary>Hidden width H of f.</summary>
    public int Hidden { get; init; } = DefaultHidden;

    /// <summary>How f is evaluated and differentiated: the exact sweep (the default) or the dense reference.</summary>
    public MlpEngine Engine { get; init; } = MlpEngineNames.Default;

    /// <summary>The dense engine in float64 instead of PyTorch's float32: the reference the sweep is tested against.</summary>
    internal bool DenseInFloat64 { get; init; }

    /// <summary>The engine and its precision, as training's keys record them.</summary>
    internal string EngineLabel => Engine == MlpEngine.Dense && DenseInFloat64 ? "dense-float64" : Engine.Name();

    /// <summary>Full-batch Adam steps.</summary>
    public int Steps { get; init; } = 40;

    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Share of the bank's tasks that f is trained on; the rest are held out.</summary>
    public double TrainFraction { get; init; } = 0.8;

    /// <summary>Seeds both the split and torch's generator (parameter init).</summary>
    public ulong Seed { get; init; }

    /// <summary>Threads during training (the sweep's, torch's intra-op threads); 0 means one per core.</summary>
    public int Threads { get; init; }

    /// <summary>Dense engine: about how much memory one chunk of f's inputs may take while it is differentiated.</summary>
    public long ChunkBytes { get; init; } = 256L << 20;

    /// <summary>
    /// Where training saves its state (f, Adam's moments, the losses so far) every
    /// <see cref="CheckpointSeconds"/>, and resumes from if the same training was interrupted; null: never.
    /// Deleted when training completes.
    /// </summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Least time between two checkpoints: each one writes f and Adam's state (about 200 MB at H = 4000 for the dense engine, 400 MB for the sweep's float64).</summary>
    public double CheckpointSeconds { get; init; } = 120;

    internal void Validate()
    {
        if (Hidden < 1) throw new BadInputException($"mlp_version: the hidden width must be at least 1, got {Hidden}");
        if (Steps < 0) throw new BadInputException($"mlp_version: the number of steps must be at least 0, got {Steps}");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate))
            throw new BadInputException($"mlp_version: the learning rate must be a positive number, got {LearningRate}");
        if (!(TrainFraction > 0 && TrainFraction <= 1))
            throw new BadInputException($"mlp_version: the train fraction must be in (0, 1], got {TrainFraction}");
        if (Threads < 0) throw new BadInputException($"mlp_version: the thread count must be 0 (all cores) or more, got {Threads}");
        if (ChunkBytes < 1) throw new BadInputException($"mlp_version: the chunk size must be at least 1 byte, got {ChunkBytes}");
        if (!(CheckpointSeconds >= 0)) throw new BadInputException($"mlp_version: the checkpoint interval must be 0 or more seconds, got {CheckpointSeconds}");
    }
}
