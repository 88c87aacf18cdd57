using System.CommandLine;
using MetaLora.Study;

namespace MetaLora.Cli;

/// <summary>
/// The pipeline's own verbs, taking the build script's arguments as they are
/// (<c>--target=Report --metric=all ...</c>): <c>run</c> runs stages (skipping those up to date),
/// <c>status</c> says which are out of date and why, <c>plan</c> lists what a target needs.
/// </summary>
internal static class PipelineCommands
{
    private const string ArgumentsHelp = "Followed by the build script's arguments, e.g. --target=Report --metric=all --model=all (see README).";

    public static Command Run(Func<IReadOnlyList<string>, int> invokeVerb)
    {
        var group = new Option<string?>("--group") { Description = $"Only the stages of this build-script task: {string.Join(", ", StageGraph.Groups)}." };
        var command = new Command("run",
            "Run the stages a target needs, in order, each only when out of date (its command, parameters, code, inputs or outputs changed); " +
            "then record its manifest in <data-dir>/.stages/. " + ArgumentsHelp)
        {
            group,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(parse =>
        {
            var graph = new StageGraph(StudyOptions.FromCommandLine(parse.UnmatchedTokens));
            var study = graph.Study;
            var name = parse.GetValue(group);
            if (name is not null && !StageGraph.Groups.Contains(name))
                throw new BadInputException($"unknown group '{name}'; valid: {string.Join(", ", StageGraph.Groups)}");
            if (study.Shard is not null)
            {
                // A shard runs as a whole (its locks are shared with other shards, see ShardedRun): Infer's group or none.
                if (name is not null && name != StageGroup.Infer.Name)
                    throw new BadInputException($"--group={name} with --shard={study.Shard}: a sharded run runs Infer (after checking the stages before it); give --group=Infer or none");
                return ShardedRun.Run(graph, invokeVerb, Console.Out);
            }
            var stages = name is null ? graph.For(study.Target) : graph.Group(name);

            using var held = DataFolderLock.Acquire(study.DataDir);
            using var heldResults = DataFolderLock.AcquireResults(study.ResultsDir);
            using var shared = DataFolderLock.ShareWithChildren(study.DataDir, study.ResultsDir);
            // Holding both locks, before any stage or shard writes: what killed writers left goes.
            Leftovers.RemoveUnder(Console.Out, study.DataDir, study.ResultsDir);
            var runner = new StageRunner(study.DataLayout.StagesDir, Console.Out, StageCode.ForTool(cacheDirectory: study.DataLayout.CodeCacheDir), PortablePaths.For(study));
            var submitted = false;
            foreach (var stage in stages)
            {
                if (stage.Group == StageGroup.Infer.Name && graph.SlurmSubmitCommand is { } submit && !submitted)
                {
                    submitted = true;
                    var exit = invokeVerb(submit);
                    if (exit != 0) return exit;
                    // A dry run only writes the script: nothing ran, so nothing after it can.
                    if (study.SlurmDryRun) return 0;
                }
                var code = runner.Run(stage, study.Force, () => invokeVerb(stage.Command));
                if (code != 0) return code;
            }
            return 0;
        });
        return command;
    }

    public static Command Status()
    {
        var command = new Command("status",
            "Say, for every stage the target needs, whether it is up to date or why it would run (as dvc status does). " +
            "Runs nothing and writes nothing. " + ArgumentsHelp);
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(parse =>
        {
            var graph = new StageGraph(StudyOptions.FromCommandLine(parse.UnmatchedTokens));
            var report = StageStatusReport.Of(graph, graph.Study.Target, StageCode.ForTool(cacheDirectory: graph.Study.DataLayout.CodeCacheDir, writeCache: false));
            foreach (var line in report.Lines) Console.WriteLine(line);
            Console.WriteLine(report.Summary);
            return 0;
        });
        return command;
    }

    public static Command Plan()
    {
        var command = new Command("plan",
            "List the stages a target needs, in run order: name, command, inputs and outputs. " + ArgumentsHelp);
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(parse =>
        {
            var graph = new StageGraph(StudyOptions.FromCommandLine(parse.UnmatchedTokens));
            foreach (var stage in graph.For(graph.Study.Target))
            {
                Console.WriteLine($"{stage.Name} [{stage.Group}]");
                Console.WriteLine($"  command: lora {string.Join(' ', stage.Command)}");
                if (stage.Params.Count > 0) Console.WriteLine($"  params:  {string.Join(", ", stage.Params.Select(p => $"{p.Key}={p.Value}"))}");
                if (stage.Upstream.Count > 0) Console.WriteLine($"  after:   {string.Join(", ", stage.Upstream)}");
                foreach (var dep in stage.Deps) Console.WriteLine($"  in:      {dep}");
                foreach (var output in stage.Outs) Console.WriteLine($"  out:     {output}");
            }
            return 0;
        });
        return command;
    }
}
