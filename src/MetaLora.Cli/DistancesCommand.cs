using System.CommandLine;
using System.Diagnostics;
using MetaLora.Bank;
using MetaLora.Metrics;
using MetaLora.Pipeline;
using MetaLora.Stages;

namespace MetaLora.Cli;

internal static class DistancesCommand
{
    public static Command Create()
    {
        var dataDir = CommonOptions.DataDir();
        var bankDir = CommonOptions.BankDir();
        var limit = CommonOptions.Limit();
        var metric = new Option<string>("--metric")
        {
            Description = "WD, KL, JS, MMD, all, or a comma list. Paper default: KL.",
            DefaultValueFactory = _ => "KL",
        };
        var seed = new Option<ulong>("--seed") { Description = "Seed of MMD's sampling.", DefaultValueFactory = _ => 0 };
        var command = new Command("distances",
            "Pairwise distances between the tasks' token distributions into <data-dir>/preprocessed/distances/<METRIC>.csv " +
            "(N x N; header and first column = task names; row = the task being adapted for).")
        {
            metric, dataDir, bankDir, limit, seed,
        };
        command.SetAction(parse =>
        {
            var metrics = MetricNames.Parse(parse.GetValue(metric)!);
            var data = parse.GetValue(dataDir)!;
            var bank = BankInfo.Load(CommonOptions.ResolveBankDir(parse.GetValue(bankDir), data));
            var layout = new DataLayout(data);
            using var _ = DataFolderLock.Acquire(data);
            var n = bank.Take(parse.GetValue(limit)).Count;
            foreach (var m in metrics)
            {
                var watch = Stopwatch.StartNew();
                Progress.Run($"Distances {m}", n, tick =>
                {
                    DistancesStage.Run(bank, layout, m, parse.GetValue(limit), parse.GetValue(seed), new Ticker<int>(_ => tick()));
                    return 0;
                });
                Console.WriteLine($"Distances {m}: {n} x {n} in {watch.Elapsed.TotalSeconds:0.00} s -> {layout.DistanceFile(m.ToString())}");
            }
            return 0;
        });
        return command;
    }
}
