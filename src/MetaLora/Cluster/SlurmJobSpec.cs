namespace MetaLora.Cluster;

/// <summary>What an Infer array job needs: the command each shard runs and the resources Slurm gives it.</summary>
internal sealed record SlurmJobSpec
{
    /// <summary>Shards, one array task each: task i runs the command with <c>--shard i/Shards</c>.</summary>
    public required int Shards { get; init; }

    /// <summary>The command of every shard (absolute paths: the nodes see the same shared folders), without <c>--shard</c>.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>Absolute folder for the script, the logs, the exit codes and the state file.</summary>
    public required string Dir { get; init; }

    /// <summary>Absolute working folder of each shard.</summary>
    public required string WorkingDir { get; init; }

    public string JobName { get; init; } = "lora-infer";
    public string? Partition { get; init; }
    public string? Gres { get; init; }
    public string? Time { get; init; }
    public string? Account { get; init; }
    public int? CpusPerTask { get; init; }
    public string? Mem { get; init; }

    public string ScriptPath => Path.Combine(Dir, "infer.sbatch");
    public string StatePath => Path.Combine(Dir, "state.json");
    public string LogsDir => Path.Combine(Dir, "logs");
    public string ExitDir => Path.Combine(Dir, "exit");
    public string LogPath(int index) => Path.Combine(LogsDir, $"infer-{index}.out");
}
