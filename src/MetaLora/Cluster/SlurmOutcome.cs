namespace MetaLora.Cluster;

/// <summary>How a submission ended: the shards that completed and those that did not (with their states).</summary>
internal sealed record SlurmOutcome(int Shards, IReadOnlyList<int> Completed, IReadOnlyList<TaskState> Failed, IReadOnlyList<string> Jobs)
{
    public bool Success => Failed.Count == 0 && Completed.Count == Shards;
}
