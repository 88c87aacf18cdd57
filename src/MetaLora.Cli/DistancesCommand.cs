using System.CommandLine;
using System.Diagnostics;
using MetaLora.Stages;
using MetaLora.Distances;
using MetaLora.Study;
using MetaLora.Repro;
using MetaLora.Repro.CodeIdentity;

namespace MetaLora.Cli;

internal static class DistancesCommand
{
    [StageEntry(StageVerbs.Distances)]
    public static Command Create()
    {
        var bank = new BankOptions();
        var metric = new Option<string>("--metric")
        {
            Description = $"{MetricNames.Valid}, or a comma list. Paper default: {MetricNames.Default}.",
            DefaultValueFactory = _ => MetricNames.Default.ToString(),
        };
        var seed = new Option<ulong>("--seed") { Description = "Seed of MMD's sampling.", DefaultValueFactory = _ => StudyOptions.DefaultSeed };
        var command = new Command("distances",
            "Pairwise distances between the tasks' token distributions into <data-dir>/preprocessed/distances/<METRIC>.csv " +
            "(N x N; header and first column = task names; row = the task being adapted for).")
        {
            metric, seed,
        };
        bank.AddTo(command);
        command.SetAction(parse =>
        {
            var metrics = MetricNames.Parse(parse.GetValue(metric)!);
            var s = bank.Resolve(parse);
            using var _ = DataFolderLock.Acquire(s.Layout.DataDir);
            foreach (var m in metrics)
            {
                var watch = Stopwatch.StartNew();
                Progress.Run($"Distances {m}", s.Tasks.Count, progress =>
                {
                    DistancesStage.Run(s.Bank, s.Layout, m, s.Limit, parse.GetValue(seed), progress);
                    return 0;
                });
                Console.WriteLine($"Distances {m}: {s.Tasks.Count} x {s.Tasks.Count} in {watch.Elapsed.TotalSeconds:0.00} s -> {s.Layout.DistanceFile(m.ToString())}");
            }
            return 0;
        });
        return command;
    }
}
