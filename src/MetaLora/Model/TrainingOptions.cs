namespace MetaLora.Model;

/// <summary>Hyper-parameters of <see cref="Trainer"/>.</summary>
internal sealed record TrainingOptions
{
    public int Steps { get; init; } = 100;
    public int BatchSize { get; init; } = 8;

    /// <summary>Peak learning rate, reached after the warm-up.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Steps of linear warm-up from LearningRate / WarmupSteps to LearningRate.</summary>
    public int WarmupSteps { get; init; }

    /// <summary>Where the cosine decay ends, as a fraction of the peak (0: decays to zero).</summary>
    public double MinLearningRateRatio { get; init; }

    public double WeightDecay { get; init; }
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.999;
    public double Epsilon { get; init; } = 1e-8;

    /// <summary>Gradients are rescaled to at most this global L2 norm; 0 turns clipping off.</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>Seeds batch order and dropout: the same seed and data give the same run, resumed or not.</summary>
    public long Seed { get; init; }

    /// <summary>A folder for the latest checkpoint; training resumes from it when it exists. Null: no checkpoints.</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>Steps between checkpoints (0: only after the last step).</summary>
    public int CheckpointEvery { get; init; }
}
