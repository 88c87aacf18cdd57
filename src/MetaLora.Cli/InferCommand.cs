using System.CommandLine;
using System.Diagnostics;
using MetaLora.Stages;
using MetaLora.Inference;
using MetaLora.Layout;
using MetaLora.Study;
using MetaLora.Repro;
using MetaLora.Repro.CodeIdentity;
using MetaLora.Inference.OpenAi;

namespace MetaLora.Cli;

internal static class InferCommand
{
    [StageEntry(StageVerbs.Infer)]
    public static Command Create()
    {
        var bank = new BankOptions();
        var results = CommonOptions.ResultsDir();
        var pipelines = CommonOptions.Pipelines();
        var d = new InferOptions();
        var maxNewTokens = CommonOptions.MaxNewTokens();
        var batchSize = new Option<int>("--batch-size") { Description = "Samples generated together (left-padded); part of the result's bytes.", DefaultValueFactory = _ => d.BatchSize };
        var workers = new Option<int>("--workers")
        {
            Description = "Tasks generated at once, each worker with its own copy of the model (0: one per core for models up to 256 MB, else one using every core).",
            DefaultValueFactory = _ => 0,
        };
        var shard = new Option<string?>("--shard") { Description = "i/n: only the tasks whose bank index mod n is i (spread the stage over machines sharing the folders)." };
        var force = CommonOptions.Force();
        var engine = new EngineOptions();
        var command = new Command("infer",
            "Greedy generation on every task's test split for each pipeline: base (no adapter), finetuned (the task's bank adapter), " +
            "<METRIC>_<model> (the task's predicted adapter). Prompt = the raw input with BOS. Writes " +
            "<results-dir>/models_generated_outputs/<pipeline>/<task>.jsonl ({id, input, reference, prediction}). Resumable per task. " +
            "With --engine openai the prompts go to an OpenAI-compatible server (/v1/completions, temperature 0, max_tokens = --max-new-tokens or the bank's), " +
            "each task's adapter registered there by its path and unloaded after the task.")
        {
            results, pipelines, maxNewTokens, batchSize, workers, shard, force,
        };
        bank.AddTo(command);
        engine.AddTo(command);
        command.SetAction(parse =>
        {
            var selected = InferPipeline.Parse(parse.GetValue(pipelines)!);
            var s = bank.Resolve(parse);
            var sharded = parse.GetValue(shard) is { } text ? Shard.Parse(text) : Shard.All;
            var server = engine.Resolve(parse);
            // Shards run at the same time on one shared folder, each writing only its own tasks: they share the
            // locks with each other, never with a whole run.
            using var _ = sharded.Count > 1 ? DataFolderLock.AcquireShared(s.Layout.DataDir) : DataFolderLock.Acquire(s.Layout.DataDir);
            using var __ = sharded.Count > 1 ? DataFolderLock.AcquireSharedResults(parse.GetValue(results)!) : DataFolderLock.AcquireResults(parse.GetValue(results)!);
            var options = new InferOptions
            {
                MaxNewTokens = parse.GetValue(maxNewTokens),
                BatchSize = parse.GetValue(batchSize),
                Workers = parse.GetValue(workers),
                Shard = sharded,
                Limit = s.Limit,
                Force = parse.GetValue(force),
            };
            var layout = new ResultsLayout(parse.GetValue(results)!);
            foreach (var pipeline in selected) RunOne(s, layout, pipeline, options, server);
            return 0;
        });
        return command;
    }

    private static void RunOne(BankOptions.Selection s, ResultsLayout layout, InferPipeline pipeline, InferOptions options, OpenAiServerOptions? server)
    {
        var watch = Stopwatch.StartNew();
        var name = pipeline.StageName();
        var sharded = options.Shard;
        var tasks = s.Tasks.Where((_, i) => sharded.Includes(i)).Count();
        var summary = Progress.Run(name, tasks, progress => InferStage.Run(s.Bank, s.Layout, layout, pipeline, options, server, progress, Console.WriteLine));
        var shardText = sharded.Count > 1 ? $" (shard {sharded})" : "";
        var cut = summary.Truncated > 0 ? $", {summary.Truncated} prompts cut to fit the model's positions" : "";
        Console.WriteLine($"{name}: {summary.Generated} of {summary.Tasks} tasks generated{shardText} ({summary.Samples} samples{cut}), {summary.Kept} up to date, {watch.Elapsed.TotalSeconds:0.0} s");
    }
}
