namespace MetaLora.Cluster;

/// <summary>One shard's last known result: the job that ran it, its state and exit code.</summary>
internal sealed record ShardRecord(string Job, string State, string? ExitCode = null);
