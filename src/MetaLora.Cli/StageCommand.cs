using System.CommandLine;
using MetaLora.Pipeline;

namespace MetaLora.Cli;

/// <summary>
/// Runs another verb as a pipeline stage: skips it when its declared inputs, implementation files,
/// parameters and outputs match the manifest of its last successful run, otherwise runs it and
/// records a new manifest. The build script declares every stage through this verb.
/// </summary>
internal static class StageCommand
{
    public static Command Create(Func<string[], int> invokeVerb)
    {
        var name = new Option<string>("--name") { Description = "Stage instance name, e.g. Distances.KL.", Required = true };
        var param = new Option<string[]>("--param") { Description = "Parameter key=value (repeatable); a change reruns the stage." };
        var dep = new Option<string[]>("--dep") { Description = "Input file or glob (repeatable)." };
        var code = new Option<string[]>("--code") { Description = "Source file or glob implementing the stage (repeatable)." };
        var outs = new Option<string[]>("--out") { Description = "Output file or glob (repeatable)." };
        var dataDir = CommonOptions.DataDir();
        var force = CommonOptions.Force();
        var verb = new Argument<string[]>("verb") { Description = "After --: the verb and its arguments.", Arity = ArgumentArity.OneOrMore };
        var command = new Command("stage",
            "Run a verb as an incremental stage: up to date when parameters, input and code hashes, and outputs match " +
            "the manifest in <data-dir>/.stages/; otherwise run it and record a new manifest. " +
            "Example: lora stage --name Distances.KL --param metric=KL --dep 'data/preprocessed/tokens/*.npy' " +
            "--code src/MetaLora/Metrics/KL.cs --out data/preprocessed/distances/KL.csv -- distances --metric KL")
        {
            name, param, dep, code, outs, dataDir, force, verb,
        };
        command.SetAction(parse =>
        {
            var parameters = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in parse.GetValue(param) ?? [])
            {
                var eq = p.IndexOf('=');
                if (eq <= 0) throw new BadInputException($"--param {p}: expected key=value");
                parameters[p[..eq]] = p[(eq + 1)..];
            }
            var spec = new StageSpec(parse.GetValue(name)!, parameters,
                parse.GetValue(dep) ?? [], parse.GetValue(code) ?? [], parse.GetValue(outs) ?? []);
            var data = parse.GetValue(dataDir)!;
            using var held = DataFolderLock.Acquire(data);
            var previous = Environment.GetEnvironmentVariable(DataFolderLock.HeldByParentVariable);
            Environment.SetEnvironmentVariable(DataFolderLock.HeldByParentVariable, Path.GetFullPath(data));
            try
            {
                var runner = new StageRunner(new DataLayout(data).StagesDir, Console.Out);
                return runner.Run(spec, parse.GetValue(force), () => invokeVerb(parse.GetValue(verb)!));
            }
            finally
            {
                Environment.SetEnvironmentVariable(DataFolderLock.HeldByParentVariable, previous);
            }
        });
        return command;
    }

    /// <summary>`lora stage-check --plan FILE`: exit 0 and one "up to date" line per stage when all are, else 3 and silence.</summary>
    public static Command Check()
    {
        var plan = new Option<string>("--plan") { Description = "JSON list of stages: [{\"name\", \"params\", \"deps\", \"code\", \"outs\"}].", Required = true };
        var dataDir = CommonOptions.DataDir();
        var command = new Command("stage-check",
            "Whether every stage of a plan is up to date (exit 0, printing their \"up to date\" lines) or not (exit 3, printing nothing). " +
            "The build script asks this once per target before starting one process per stage.")
        {
            plan, dataDir,
        };
        command.SetAction(parse =>
        {
            var stages = StagePlan.Read(parse.GetValue(plan)!);
            var data = parse.GetValue(dataDir)!;
            using var held = DataFolderLock.Acquire(data);
            return StagePlan.AllUpToDate(stages, new DataLayout(data).StagesDir, Console.Out) ? 0 : 3;
        });
        return command;
    }
}
