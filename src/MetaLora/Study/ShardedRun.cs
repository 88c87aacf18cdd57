using System.Diagnostics;

namespace MetaLora.Study;

/// <summary>
/// A pipeline run with <c>--shard=i/n</c> (target Infer): one slice of Infer's tasks, run at the same
/// time as the other shards on the same data and results folders (several machines sharing them).
/// <list type="number">
/// <item>The stages before Infer write files every shard reads (distances, coefficients, predicted
/// adapters), so they run only in a run that has the data folder to itself: the first shard to take the
/// sharded runs' preparation turn finds nobody else in the folder and brings them up to date under the
/// exclusive lock; the shards that start meanwhile wait for its turn to end. A shard that starts while
/// others are already generating shares the folder with them and only checks that those stages are up
/// to date, stopping with one line when one is not.</item>
/// <item>Infer then runs under shared locks: each shard writes only its own tasks' outputs and their
/// item records (and the content-hash cache, replaced atomically: a lost update only costs a re-hash).
/// It records no stage manifest, as its outputs are only part of the stage's; a stage already recorded
/// up to date by a run without shards is skipped.</item>
/// <item>Once every shard has finished, a run without <c>--shard</c> (e.g. <c>--target=Report</c>)
/// finds every task done, records the Infer stages and goes on to Evaluate and Report.</item>
/// </list>
/// </summary>
internal static class ShardedRun
{
    /// <summary>Runs the shard of <paramref name="graph"/>'s study; returns the exit code of the first stage that failed, else 0.</summary>
    /// <param name="graph">The stages of a study with <see cref="StudyOptions.Shard"/> set and target Infer.</param>
    /// <param name="invokeVerb">Runs a lora verb with the given words; returns its exit code.</param>
    /// <param name="log">Where the stage lines go.</param>
    public static int Run(StageGraph graph, Func<IReadOnlyList<string>, int> invokeVerb, TextWriter log)
    {
        var study = graph.Study;
        var shard = study.Shard ?? throw new ArgumentException("not a sharded study", nameof(graph));
        var before = graph.For(StageGroup.Predict.Name);
        var recorded = new StageGraph(study.Unsharded).Group(StageGroup.Infer.Name).ToDictionary(s => s.Name, StringComparer.Ordinal);
        var runner = new StageRunner(study.DataLayout.StagesDir, log, StageCode.ForTool(cacheDirectory: study.DataLayout.CodeCacheDir), PortablePaths.For(study));

        using var results = DataFolderLock.AcquireSharedResults(study.ResultsDir);
        DataFolderLock data;
        using (DataFolderLock.AcquirePreparation(study.DataDir, log.WriteLine))
        {
            using (var alone = DataFolderLock.TryAcquire(study.DataDir))
            {
                if (alone is not null)
                {
                    using var shared = DataFolderLock.ShareWithChildren(study.DataDir);
                    // Nobody else uses the data folder: what killed writers left there goes, as in a run without shards.
                    Leftovers.RemoveUnder(log, study.DataDir);
                    foreach (var stage in before)
                    {
                        var code = runner.Run(stage, force: false, () => invokeVerb(stage.Command));
                        if (code != 0) return code;
                    }
                }
            }
            // Shared from here: the next shard's turn may begin, and an unsharded run can no longer start.
            data = DataFolderLock.AcquireShared(study.DataDir);
        }
        using (data)
        using (DataFolderLock.ShareWithChildren(study.DataDir, study.ResultsDir))
        {
            // Read-only: other shards generate from these files, so a shard never rewrites them.
            foreach (var stage in before)
                if (runner.Status(stage) is { UpToDate: false } stale)
                    throw new BadInputException(
                        $"{stage.Name}: out of date ({stale.Reason}), and other sharded runs are using data folder {study.DataDir}, so this shard cannot bring it up to date; " +
                        $"let them finish, run --target={stage.Group} without --shard, then start the shards again");
            foreach (var stage in graph.Group(StageGroup.Infer.Name))
            {
                var status = runner.Status(recorded[stage.Name]);
                if (status.UpToDate)
                {
                    log.WriteLine($"{stage.Name}: up to date");
                    continue;
                }
                log.WriteLine($"{stage.Name}: running shard {shard} ({status.Reason})");
                var watch = Stopwatch.StartNew();
                var exit = invokeVerb(stage.Command);
                if (exit != 0) return exit;
                log.WriteLine($"{stage.Name}: shard {shard} done in {watch.Elapsed.TotalSeconds:0.0} s");
            }
        }
        log.WriteLine($"shard {shard} of Infer done; once every shard has finished, run without --shard (e.g. --target=Report) to record Infer and evaluate");
        return 0;
    }
}
