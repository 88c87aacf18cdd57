namespace MetaLora.Study;

/// <summary>Where Infer's generation runs.</summary>
internal enum Executor
{
    /// <summary>In the pipeline's own process, on this machine.</summary>
    Local,

    /// <summary>As a Slurm array job, one task per shard.</summary>
    Slurm,
}
