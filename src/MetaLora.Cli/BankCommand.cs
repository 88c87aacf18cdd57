using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using MetaLora.Bank.Embedded;
using MetaLora.Repro;
using MetaLora.Repro.CodeIdentity;

namespace MetaLora.Cli;

/// <summary>`lora bank build|eval`: the embedded bank (a miniature Lots-of-LoRAs built on the CPU) and its own check.</summary>
internal static class BankCommand
{
    public static Command Create()
    {
        var command = new Command("bank", "Build the embedded bank, or check a bank's adapters against its base model.");
        command.Subcommands.Add(Build());
        command.Subcommands.Add(Eval());
        return command;
    }

    [StageEntry(StageVerbs.BankBuild)]
    private static Command Build()
    {
        var d = new EmbeddedBankOptions();
        var output = new Option<string>("--out") { Description = "The bank folder to write (replaced at the end of a successful build).", Required = true };
        var tasks = Int("--tasks", $"The first N of the {TaskCatalog.All.Count} tasks (0 = all).", d.Tasks);
        var only = new Option<string>("--only") { Description = "Only these tasks or families, comma separated (experiments).", DefaultValueFactory = _ => "" };
        var seed = Int("--seed", "Seed of the data, the initial weights and the batch order.", d.Seed);
        var train = Int("--train-samples", "Train samples per task.", d.TrainSamples);
        var valid = Int("--valid-samples", "Validation samples per task.", d.ValidSamples);
        var test = Int("--test-samples", "Test samples per task.", d.TestSamples);
        var generic = Int("--generic-samples", "Samples of generic instruction data for the base model.", d.GenericSamples);
        var hidden = Int("--hidden", "Hidden size of the base model.", d.HiddenSize);
        var layers = Int("--layers", "Decoder layers.", d.Layers);
        var heads = Int("--heads", "Attention heads.", d.Heads);
        var kvHeads = Int("--kv-heads", "Key/value heads.", d.KeyValueHeads);
        var intermediate = Int("--intermediate", "MLP width.", d.IntermediateSize);
        var baseSteps = Int("--base-steps", "Training steps of the base model.", d.BaseSteps);
        var baseBatch = Int("--base-batch", "Batch size of the base model's training.", d.BaseBatch);
        var baseLr = Real("--base-lr", "Peak learning rate of the base model.", d.BaseLearningRate);
        var baseThreads = Int("--base-threads", "Torch threads of the base model's training (a fixed count, part of the result).", d.BaseThreads);
        var rank = Int("--rank", "LoRA rank r.", d.LoraRank);
        var alpha = Real("--alpha", "LoRA alpha.", d.LoraAlpha);
        var targets = new Option<string>("--targets") { Description = "LoRA target modules, comma separated.", DefaultValueFactory = _ => string.Join(",", d.LoraTargets) };
        var loraSteps = Int("--lora-steps", "Training steps per adapter.", d.LoraSteps);
        var loraBatch = Int("--lora-batch", "Batch size of adapter training.", d.LoraBatch);
        var loraLr = Real("--lora-lr", "Peak learning rate of adapter training.", d.LoraLearningRate);
        var adapterInit = new Option<string>("--adapter-init")
        {
            Description = "shared: every adapter starts from the same random A (a shared basis, so mixed adapters mean something); per-task: each from its own seed.",
            DefaultValueFactory = _ => (d.SharedAdapterInit ? AdapterInit.Shared : AdapterInit.PerTask).Name(),
        };
        adapterInit.AcceptOnlyFromAmong([.. AdapterInitNames.Table.Values.Select(i => i.Name())]);
        var workers = Int("--workers", "Adapters trained at once (one torch thread each); does not change the result.", d.Workers);
        var command = new Command("build",
            "Build the embedded bank: seeded synthetic tasks, a compact GPT-2 vocabulary, a tiny Mistral trained from scratch " +
            "on generic data and one PEFT LoRA per task, in the bank contract. Same options, same bytes; a killed build resumes.")
        {
            output, tasks, only, seed, train, valid, test, generic, hidden, layers, heads, kvHeads, intermediate,
            baseSteps, baseBatch, baseLr, baseThreads, rank, alpha, targets, loraSteps, loraBatch, loraLr, adapterInit, workers,
        };
        command.SetAction(parse => RunBuild(parse.GetValue(output)!, new EmbeddedBankOptions
            {
                Tasks = parse.GetValue(tasks),
                Only = parse.GetValue(only)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                Seed = parse.GetValue(seed),
                TrainSamples = parse.GetValue(train), ValidSamples = parse.GetValue(valid), TestSamples = parse.GetValue(test),
                GenericSamples = parse.GetValue(generic),
                HiddenSize = parse.GetValue(hidden), Layers = parse.GetValue(layers), Heads = parse.GetValue(heads),
                KeyValueHeads = parse.GetValue(kvHeads), IntermediateSize = parse.GetValue(intermediate),
                BaseSteps = parse.GetValue(baseSteps), BaseBatch = parse.GetValue(baseBatch), BaseLearningRate = parse.GetValue(baseLr), BaseThreads = parse.GetValue(baseThreads),
                LoraRank = parse.GetValue(rank), LoraAlpha = parse.GetValue(alpha),
                LoraTargets = parse.GetValue(targets)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                LoraSteps = parse.GetValue(loraSteps), LoraBatch = parse.GetValue(loraBatch), LoraLearningRate = parse.GetValue(loraLr),
                SharedAdapterInit = parse.GetValue(adapterInit) == AdapterInitNames.Shared,
                Workers = parse.GetValue(workers),
            }));
        return command;
    }

    private static Option<int> Int(string name, string description, int fallback) => new(name) { Description = description, DefaultValueFactory = _ => fallback };

    private static Option<double> Real(string name, string description, double fallback) => new(name) { Description = description, DefaultValueFactory = _ => fallback };

    private static int RunBuild(string output, EmbeddedBankOptions options)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        EmbeddedBankBuilder.Build(output, options, Console.WriteLine);
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bank build: {clock.Elapsed.TotalSeconds:F1} s wall clock, {cpuSeconds:F1} CPU-s"));
        return 0;
    }

    private static Command Eval()
    {
        var bankDir = new Option<string>("--bank-dir") { Description = "The bank folder.", Required = true };
        var limit = new Option<int>("--limit") { Description = "Only the first N tasks (0 = all).", DefaultValueFactory = _ => 0 };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "Generation length limit.", DefaultValueFactory = _ => 64 };
        var workers = new Option<int>("--workers") { Description = "Tasks evaluated at once (one torch thread each).", DefaultValueFactory = _ => 2 };
        var adapters = new Option<string?>("--adapters") { Description = "Score these adapters (<dir>/<task>/, e.g. data/predicted_adapters/KL/base_version) instead of the bank's own." };
        var examples = new Option<bool>("--examples") { Description = "Also print a few predictions per task." };
        var command = new Command("eval",
            "Greedy generation on every task's test split with the base model and with the task's own adapter; " +
            "mean Rouge-L (LCS F-measure on rouge_score's tokens, no stemming) per task, per family and overall.")
        {
            bankDir, limit, maxNew, workers, adapters, examples,
        };
        command.SetAction(parse =>
        {
            var clock = Stopwatch.StartNew();
            var scores = BankEvaluation.Run(parse.GetValue(bankDir)!, parse.GetValue(limit), parse.GetValue(maxNew), parse.GetValue(workers),
                adapterRoot: parse.GetValue(adapters));
            string F(double v) => v.ToString("F3", CultureInfo.InvariantCulture);
            Console.WriteLine($"{"task",-32} {"base",7} {(parse.GetValue(adapters) is null ? "finetuned" : "adapters"),9}");
            foreach (var s in scores)
            {
                Console.WriteLine($"{s.Task,-32} {F(s.Base),7} {F(s.Finetuned),9}");
                if (parse.GetValue(examples))
                    foreach (var (reference, b, t) in s.Examples)
                        Console.WriteLine($"    ref \"{reference}\" | base \"{b}\" | finetuned \"{t}\"");
            }
            Console.WriteLine();
            foreach (var family in scores.GroupBy(s => s.Family))
                Console.WriteLine($"{"family " + family.Key,-32} {F(family.Average(s => s.Base)),7} {F(family.Average(s => s.Finetuned)),9}  ({family.Count()} tasks)");
            Console.WriteLine($"{"mean",-32} {F(scores.Average(s => s.Base)),7} {F(scores.Average(s => s.Finetuned)),9}  ({scores.Count} tasks, {clock.Elapsed.TotalSeconds:F1} s)");
            return 0;
        });
        return command;
    }
}
