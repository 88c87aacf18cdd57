using System.CommandLine;
using System.Diagnostics;
using MetaLora.Metrics;
using MetaLora.Pipeline;
using MetaLora.Prediction;
using MetaLora.Stages;

namespace MetaLora.Cli;

internal static class PredictCommand
{
    [StageEntry("predict")]
    public static Command Create()
    {
        var bank = new BankOptions();
        var metric = CoefficientsCommand.Metric();
        var model = CoefficientsCommand.Model();
        var command = new Command("predict",
            "Predicted adapter of every task = Σ_j C[i][j] · adapter_j (the Coefficients stage's C), tensor by tensor, " +
            "streamed over the memory-mapped bank, into <data-dir>/predicted_adapters/<METRIC>/<model>/<task>/ (PEFT folders).")
        {
            metric, model,
        };
        bank.AddTo(command);
        command.SetAction(parse =>
        {
            var metrics = MetricNames.Parse(parse.GetValue(metric)!);
            var models = CoefficientModelNames.Parse(parse.GetValue(model)!);
            var s = bank.Resolve(parse);
            using var _ = DataFolderLock.Acquire(s.Layout.DataDir);
            foreach (var m in metrics)
                foreach (var c in models)
                {
                    var watch = Stopwatch.StartNew();
                    Progress.Run($"Predict {m} {c.Name()}", 1000, progress =>
                    {
                        PredictStages.Predict(s.Bank, s.Layout, m, c, s.Limit, new Ticker<double>(f => progress.Report((int)(f * 1000))));
                        return 0;
                    });
                    Console.WriteLine($"Predict {m} {c.Name()}: {s.Tasks.Count} adapters in {watch.Elapsed.TotalSeconds:0.0} s");
                }
            return 0;
        });
        return command;
    }
}
