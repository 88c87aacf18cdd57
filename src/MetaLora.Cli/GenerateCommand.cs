using System.CommandLine;
using System.Globalization;
using MetaLora.Stages;
using MetaLora.Distances;
using MetaLora.Prediction.Coefficients;
using MetaLora.Prediction.Coefficients.Mlp;
using MetaLora.Study;

namespace MetaLora.Cli;

internal static class GenerateCommand
{
    public static Command Create()
    {
        var bank = new BankOptions();
        var dataset = new Option<string>("--dataset") { Description = "Your dataset: a .jsonl or .parquet file of {input, output} samples, or a folder with a train split.", Required = true };
        var output = new Option<string>("--out") { Description = "Folder for the PEFT adapter (adapter_config.json, adapter_model.safetensors, generation_report.json).", Required = true };
        var metric = new Option<string>("--metric") { Description = "Distance metric: WD, KL, JS or MMD.", DefaultValueFactory = _ => MetricNames.Default.ToString() };
        var model = new Option<string>("--model") { Description = "Coefficient model: base_version, normalized_version or mlp_version.", DefaultValueFactory = _ => CoefficientModelNames.Default.Name() };
        var hidden = CoefficientsCommand.MlpHidden();
        var engine = CoefficientsCommand.MlpEngineOption();
        var seed = new Option<ulong>("--seed") { Description = "Seed of MMD's sampling and of mlp_version's training.", DefaultValueFactory = _ => StudyOptions.DefaultSeed };
        var combine = new CombineOptions("How the weighted adapters are combined: paper (the paper's), linear-sqrt (PEFT's linear rule) or delta (the exact Σ c s B A at rank --combine-rank).");
        var top = new Option<int>("--top") { Description = "How many contributing tasks to list.", DefaultValueFactory = _ => 10 };
        var command = new Command("generate",
            "Make a LoRA adapter for your own dataset without training: its distances to the bank's tasks become " +
            "coefficients, and the adapter is the coefficient-weighted sum of the bank's adapters (a PEFT folder).")
        {
            dataset, output, metric, model, hidden, engine, seed, top,
        };
        combine.AddTo(command);
        bank.AddTo(command);
        command.SetAction(parse =>
        {
            var metrics = MetricNames.Parse(parse.GetValue(metric)!);
            var models = CoefficientModelNames.Parse(parse.GetValue(model)!);
            var combiners = combine.Combiners(parse);
            if (metrics.Count != 1 || models.Count != 1 || combiners.Count != 1)
                throw new BadInputException("--metric, --model and --combine take one value each for generate");
            var s = bank.Resolve(parse);
            using var _ = DataFolderLock.Acquire(s.Layout.DataDir);
            var options = new DatasetAdapter.Options(metrics[0], models[0], new MlpOptions { Hidden = parse.GetValue(hidden), Engine = MlpEngineNames.Parse(parse.GetValue(engine)!), Seed = parse.GetValue(seed) },
                parse.GetValue(seed), s.Limit, combiners[0], combine.Delta(parse));
            var result = DatasetAdapter.Run(parse.GetValue(dataset)!, s.Bank, s.Layout, parse.GetValue(output)!, options);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{parse.GetValue(output)}: adapter from {s.Tasks.Count} bank adapters ({metrics[0]}, {models[0].Name()}; dataset {result.Tokens:N0} tokens)"));
            if (result.MlpSource is not null)
                Console.WriteLine($"f: {result.MlpSource}");
            Console.WriteLine($"{"weight",8}  {"distance",12}  task");
            foreach (var c in result.Contributions.Take(parse.GetValue(top)))
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{c.Weight,8:F4}  {c.Distance,12:G6}  {c.Task}"));
            return 0;
        });
        return command;
    }
}
