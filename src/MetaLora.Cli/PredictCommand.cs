using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using MetaLora.Formats;
using MetaLora.Stages;
using MetaLora.Distances;
using MetaLora.Prediction.Coefficients;
using MetaLora.Prediction.Combining;
using MetaLora.Prediction.Combining.Delta;
using MetaLora.Study;
using MetaLora.Repro;
using MetaLora.Repro.CodeIdentity;
using MetaLora.Prediction.Baselines;

namespace MetaLora.Cli;

internal static class PredictCommand
{
    [StageEntry(StageVerbs.Predict)]
    public static Command Create()
    {
        var bank = new BankOptions();
        var metric = CoefficientsCommand.Metric();
        var model = CoefficientsCommand.Model();
        var combine = new CombineOptions(
            "How the weighted adapters are combined: paper (A's and B's summed separately, the paper's), linear-sqrt (PEFT's linear rule), " +
            "delta (the exact Σ c s B A refactored to rank --combine-rank); a comma list or all. Other than paper, outputs go to <model>+<combiner>/.");
        var baseline = new Option<string>("--baseline")
        {
            Description = "Instead of the metric's predicted adapters: uniform (the average of the other tasks' adapters, under each --combine, " +
                          "into predicted_adapters/uniform[+<combiner>]/) or nearest (the closest task's adapter by each --metric, into predicted_adapters/<METRIC>/nearest/).",
            DefaultValueFactory = _ => BaselineNames.None,
        };
        baseline.AcceptOnlyFromAmong([BaselineNames.None, .. BaselineNames.Table.Values.Select(b => b.Name())]);
        var command = new Command("predict",
            "Predicted adapter of every task = Σ_j C[i][j] · adapter_j (the Coefficients stage's C), tensor by tensor, " +
            "streamed over the memory-mapped bank, into <data-dir>/predicted_adapters/<METRIC>/<model>/<task>/ (PEFT folders).")
        {
            metric, model, baseline,
        };
        combine.AddTo(command);
        bank.AddTo(command);
        command.SetAction(parse =>
        {
            var metrics = MetricNames.Parse(parse.GetValue(metric)!);
            var models = CoefficientModelNames.Parse(parse.GetValue(model)!);
            var combiners = combine.Combiners(parse);
            var delta = combine.Delta(parse);
            var s = bank.Resolve(parse);
            using var _ = DataFolderLock.Acquire(s.Layout.DataDir);
            if (combiners.Contains(Combiner.Delta) && s.Tasks.Count > 0
                && DeltaCost.Note(PeftAdapter.Open(s.Bank.AdapterDir(s.Tasks[0])), s.Tasks.Count - 1, s.Tasks.Count, delta) is { } note)
                Console.WriteLine(note);
            switch (parse.GetValue(baseline))
            {
                case BaselineNames.Uniform:
                    foreach (var k in combiners)
                        RunOne(s, $"uniform{k.Suffix()}", p => PredictStages.PredictUniform(s.Bank, s.Layout, s.Limit, k, delta, p));
                    break;
                case BaselineNames.Nearest:
                    foreach (var m in metrics)
                        RunOne(s, $"nearest {m}", _ =>
                        {
                            PredictStages.PredictNearest(s.Bank, s.Layout, m, s.Limit);
                            return [];
                        });
                    break;
                default:
                    foreach (var m in metrics)
                        foreach (var c in models)
                            foreach (var k in combiners)
                                RunOne(s, $"{m} {c.Name()}{k.Suffix()}", p => PredictStages.Predict(s.Bank, s.Layout, m, c, s.Limit, k, delta, p));
                    break;
            }
            return 0;
        });
        return command;
    }

    /// <summary>Makes one pipeline's adapters with a progress bar, then says how long it took and, for delta, what the rank kept.</summary>
    private static void RunOne(BankOptions.Selection s, string what, Func<IProgress<double>, IReadOnlyList<DeltaReport>> work)
    {
        var watch = Stopwatch.StartNew();
        IReadOnlyList<DeltaReport> reports = [];
        Progress.Run($"Predict {what}", 1000, progress =>
        {
            reports = work(new Ticker<double>(f => progress.Report((int)(f * 1000))));
            return 0;
        });
        Console.WriteLine($"Predict {what}: {s.Tasks.Count} adapters in {watch.Elapsed.TotalSeconds:0.0} s");
        if (reports.Count > 0)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  delta rank {reports[0].Rank}, top-k {reports[0].TopK}: coefficient mass kept mean {reports.Average(r => r.CoefficientMassKept):F6} (min {reports.Min(r => r.CoefficientMassKept):F6}); " +
                $"‖ΔW‖² kept by the rank mean {reports.Average(r => r.EnergyKept):F4} (min over modules {reports.Min(r => r.MinModuleEnergyKept):F4})"));
    }
}
