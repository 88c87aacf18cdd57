namespace MetaLora.Study;

/// <summary>
/// What a run of a target would do, stage by stage, without running or writing anything (as
/// <c>dvc status</c>): up to date, out of date with the reason, or waiting on an upstream stage
/// that is out of date (it then reruns only if that stage's outputs actually change).
/// </summary>
internal sealed record StageStatusReport(IReadOnlyList<string> Lines, int UpToDate, int OutOfDate, int Waiting)
{
    public string Summary => $"{UpToDate + OutOfDate + Waiting} stages: {UpToDate} up to date, {OutOfDate} out of date, {Waiting} waiting on those";

    public static StageStatusReport Of(StageGraph graph, string target, StageCode code)
    {
        var runner = new StageRunner(graph.Study.DataLayout.StagesDir, TextWriter.Null, code, PortablePaths.For(graph.Study));
        var pending = new HashSet<string>(StringComparer.Ordinal);
        var lines = new List<string>();
        int upToDate = 0, outOfDate = 0, waiting = 0;
        var shard = graph.Study.Shard;
        // A sharded run records no Infer manifest: it is up to date when the run without shards recorded one (see ShardedRun).
        var recorded = shard is null ? null : new StageGraph(graph.Study.Unsharded).Group(StageGroup.Infer.Name).ToDictionary(s => s.Name, StringComparer.Ordinal);
        foreach (var stage in graph.For(target))
        {
            var status = runner.Status(recorded?.GetValueOrDefault(stage.Name) ?? stage);
            if (!status.UpToDate)
            {
                pending.Add(stage.Name);
                lines.Add(recorded?.ContainsKey(stage.Name) == true
                    ? $"{stage.Name}: out of date ({status.Reason}); shard {shard} would generate its tasks not yet done, and record nothing for the stage (a run without --shard does)"
                    : $"{stage.Name}: out of date ({status.Reason})");
                outOfDate++;
            }
            else if (stage.Upstream.Where(pending.Contains).ToArray() is { Length: > 0 } blockers)
            {
                pending.Add(stage.Name);
                lines.Add($"{stage.Name}: waits on {string.Join(", ", blockers)} (reruns only if their outputs change)");
                waiting++;
            }
            else
            {
                lines.Add($"{stage.Name}: up to date");
                upToDate++;
            }
        }
        if (shard is not null)
            lines.Add($"sharded run (--shard={shard}): it runs stages out of date before Infer only when no other shard is using data folder {graph.Study.DataDir} " +
                      "(with other shards there, they must be up to date); Evaluate and Report are for a run without --shard once every shard has finished");
        return new(lines, upToDate, outOfDate, waiting);
    }
}
