using System.CommandLine;
using MetaLora.Stages;
using MetaLora.Distances;
using MetaLora.Prediction.Coefficients;
using MetaLora.Prediction.Coefficients.Mlp;
using MetaLora.Study;
using MetaLora.Repro;
using MetaLora.Repro.CodeIdentity;

namespace MetaLora.Cli;

internal static class CoefficientsCommand
{
    public static Option<string> Model() => new("--model")
    {
        Description = $"Coefficient model: {CoefficientModelNames.Valid}, or a comma list. Paper default: {CoefficientModelNames.Default.Name()}.",
        DefaultValueFactory = _ => CoefficientModelNames.Default.Name(),
    };

    public static Option<string> Metric() => new("--metric")
    {
        Description = $"Distance metric: {MetricNames.Valid}, or a comma list. Paper default: {MetricNames.Default}.",
        DefaultValueFactory = _ => MetricNames.Default.ToString(),
    };

    /// <summary>--mlp-engine, shared with `lora generate`.</summary>
    public static Option<string> MlpEngineOption() => new("--mlp-engine")
    {
        Description = $"mlp_version: how f is trained and applied: {MlpEngineNames.Valid}. sweep (default) is exact and O(nH + H²) " +
                      "per step in float64; dense is the O(nH²) TorchSharp reference in float32.",
        DefaultValueFactory = _ => MlpEngineNames.Default.Name(),
    };

    /// <summary>--mlp-hidden, shared with `lora generate`.</summary>
    public static Option<int> MlpHidden() => new("--mlp-hidden")
    {
        Description = $"mlp_version: hidden width H (paper: {MlpOptions.DefaultHidden}).",
        DefaultValueFactory = _ => MlpOptions.DefaultHidden,
    };

    [StageEntry(StageVerbs.Coefficients)]
    public static Command Create()
    {
        var bank = new BankOptions();
        var metric = Metric();
        var model = Model();
        var hidden = MlpHidden();
        var engine = MlpEngineOption();
        var seed = new Option<ulong>("--seed") { Description = "mlp_version: seed of the 80/20 task split and of the initial weights.", DefaultValueFactory = _ => StudyOptions.DefaultSeed };
        var command = new Command("coefficients",
            "Mixture coefficients from a distance matrix into <data-dir>/coefficients/<METRIC>/<model>/coefficients.csv " +
            "(softmin over each row with the diagonal excluded: rows sum to 1, diagonal 0). mlp_version also writes " +
            "training_log.csv and split.json and needs the Gram stage's output.")
        {
            metric, model, hidden, engine, seed,
        };
        bank.AddTo(command);
        command.SetAction(parse =>
        {
            var metrics = MetricNames.Parse(parse.GetValue(metric)!);
            var models = CoefficientModelNames.Parse(parse.GetValue(model)!);
            var s = bank.Resolve(parse);
            using var _ = DataFolderLock.Acquire(s.Layout.DataDir);
            var options = new MlpOptions { Hidden = parse.GetValue(hidden), Engine = MlpEngineNames.Parse(parse.GetValue(engine)!), Seed = parse.GetValue(seed) };
            foreach (var m in metrics)
                foreach (var c in models)
                {
                    Progress.Run($"Coefficients {m} {c.Name()}", c == CoefficientModel.MlpVersion ? options.Steps : 0,
                        progress => { PredictStages.Coefficients(s.Bank, s.Layout, m, c, s.Limit, options, progress); return 0; });
                    Console.WriteLine($"Coefficients {m} {c.Name()} -> {s.Layout.CoefficientFile(m.ToString(), c.Name())}");
                }
            return 0;
        });
        return command;
    }
}
