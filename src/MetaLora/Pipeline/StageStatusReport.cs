namespace MetaLora.Pipeline;

/// <summary>
/// What a run of a target would do, stage by stage, without running or writing anything (as
/// <c>dvc status</c>): up to date, out of date with the reason, or waiting on an upstream stage
/// that is out of date (it then reruns only if that stage's outputs actually change).
/// </summary>
public sealed record StageStatusReport(IReadOnlyList<string> Lines, int UpToDate, int OutOfDate, int Waiting)
{
    public string Summary => $"{UpToDate + OutOfDate + Waiting} stages: {UpToDate} up to date, {OutOfDate} out of date, {Waiting} waiting on those";

    public static StageStatusReport Of(StageGraph graph, string target, StageCode code)
    {
        var runner = new StageRunner(graph.Study.DataLayout.StagesDir, TextWriter.Null, code, PortablePaths.For(graph.Study));
        var pending = new HashSet<string>(StringComparer.Ordinal);
        var lines = new List<string>();
        int upToDate = 0, outOfDate = 0, waiting = 0;
        foreach (var stage in graph.For(target))
        {
            var status = runner.Status(stage);
            if (!status.UpToDate)
            {
                pending.Add(stage.Name);
                lines.Add($"{stage.Name}: out of date ({status.Reason})");
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
        return new(lines, upToDate, outOfDate, waiting);
    }
}
