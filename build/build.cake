// The reproduction pipeline: one Cake task per paper stage. The tasks, what each task's stages read,
// write and run, the arguments and their validation, and the data-folder lock all come from the
// MetaLora library (src/MetaLora/Study: StageGroup, StudyOptions, StageGraph, DataFolderLock); each
// task asks the lora tool to run its stages, and the tool skips those up to date. See README.md and docs/.
#r "../.build/tool/MetaLora.dll"

using System.Diagnostics;
using MetaLora;
using MetaLora.Study;

// Relative paths are relative to the repository root, the parent of this script's folder (Cake
// starts in the script's folder); child processes start there too.
var repoRoot = Context.Environment.WorkingDirectory.Combine("..").Collapse().FullPath;
System.IO.Directory.SetCurrentDirectory(repoRoot);
Context.Environment.WorkingDirectory = repoRoot;

// Cake's own options, which it also lists among the script's arguments.
var CakeOptions = new[] { "working", "verbosity", "v", "description", "showdescription", "tree", "exclusive", "e", "debug", "d", "info", "version" };

StudyOptions study;
try
{
    study = StudyOptions.From(Context.Arguments.GetArguments()
        .Where(a => !CakeOptions.Contains(a.Key, StringComparer.OrdinalIgnoreCase))
        .Select(a => new KeyValuePair<string, string>(a.Key, a.Value.LastOrDefault() ?? "true")));
}
catch (BadInputException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    Environment.Exit(2);
    return;
}
var graph = new StageGraph(study);

var tool = System.IO.Path.GetFullPath(".build/tool/lora.dll");

int Lora(IEnumerable<string> args)
{
    var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false };
    psi.ArgumentList.Add(tool);
    foreach (var a in args) psi.ArgumentList.Add(a);
    using var process = Process.Start(psi);
    process.WaitForExit();
    return process.ExitCode;
}

// --dryrun (Cake's own switch, which it keeps from the script's arguments): say which stages are out of
// date and why, run nothing; Cake then lists the tasks it would execute.
if (Environment.GetCommandLineArgs().Any(a => a is "--dryrun" or "--noop" or "--whatif"))
{
    var exit = Lora(new[] { "status" }.Concat(study.CommandLine));
    if (exit != 0) Environment.Exit(exit);
}

// One pipeline at a time per data folder and per results folder, held for the whole run; the lora processes below are told
// their parent holds it. A failure in a task goes through Cake's error path (teardown, task summary). A sharded run
// (--shard=i/n) shares the folders with the other shards instead: its one lora process takes the locks itself
// (src/MetaLora/Study/ShardedRun.cs), exclusive only while it brings the stages before Infer up to date.
DataFolderLock dataLock = null, resultsLock = null;
IDisposable shared = null;
Setup(ctx =>
{
    if (study.Shard is not null) return;
    dataLock = DataFolderLock.Acquire(study.DataDir);
    resultsLock = DataFolderLock.AcquireResults(study.ResultsDir);
    shared = DataFolderLock.ShareWithChildren(study.DataDir, study.ResultsDir);
});
Teardown(ctx =>
{
    shared?.Dispose();
    resultsLock?.Dispose();
    dataLock?.Dispose();
});

void Stages(string group)
{
    if (graph.Group(group).Count == 0) return;
    if (study.Shard is not null)
    {
        // A sharded run checks (or, alone in the data folder, runs) the stages before Infer and then runs its
        // shard of Infer in one lora process, which holds the locks it shares with the other shards.
        if (group != StageGroup.Infer.Name)
        {
            Information($"{group}: left to the sharded Infer run below (--shard={study.Shard}), which checks its stages or, alone in the data folder, runs them");
            return;
        }
        var code = Lora(new[] { "run" }.Concat(study.CommandLine));
        if (code != 0) throw new CakeException(code, $"{group}: lora run exited with code {code}");
        return;
    }
    var exit = Lora(new[] { "run", "--group", group }.Concat(study.CommandLine));
    // The tool already printed the one-line reason.
    if (exit != 0) throw new CakeException(exit, $"{group}: lora run exited with code {exit}");
}

// One task per stage group, each after the one before. After a Slurm dry run nothing ran, so the groups
// after Infer say so and do nothing (a criteria would make Cake fail a run whose target is one of them).
string previous = null;
foreach (var group in StageGroup.All)
{
    var task = Task(group.Name).Description(group.Description);
    if (previous is not null) task.IsDependentOn(previous);
    if (group.NeedsOwnBank) task.WithCriteria(() => !study.UserBank);
    var name = group.Name;
    if (group.AfterInfer) task.Does(() => AfterInfer(name, () => Stages(name)));
    else task.Does(() => Stages(name));
    previous = group.Name;
}

void AfterInfer(string group, Action run)
{
    if (study.SlurmDryRun) Information($"{group}: nothing to do after a Slurm dry run");
    else run();
}

Task(StudyTarget.Publish.Name)
    .Description(StudyTarget.Publish.Description)
    .IsDependentOn(previous)
    .Does(() => AfterInfer("Publish", () =>
    {
        var exit = Lora(graph.PublishCommand);
        if (exit != 0) throw new CakeException(exit, $"Publish: lora publish exited with code {exit}");
    }));

Task(StudyTarget.Clean.Name)
    .Description(StudyTarget.Clean.Description)
    .Does(() =>
    {
        foreach (var dir in study.CleanFolders)
        {
            if (!System.IO.Directory.Exists(dir)) continue;
            // The results folder's README.md belongs to the repository, not to a run.
            var keep = dir == study.ResultsDir ? System.IO.Path.Combine(dir, "README.md") : null;
            if (keep is not null && System.IO.File.Exists(keep))
            {
                foreach (var entry in System.IO.Directory.EnumerateFileSystemEntries(dir).Where(e => e != keep).ToList())
                    if (System.IO.Directory.Exists(entry)) System.IO.Directory.Delete(entry, recursive: true);
                    else System.IO.File.Delete(entry);
                Information($"emptied {dir} (kept README.md)");
            }
            else
            {
                System.IO.Directory.Delete(dir, recursive: true);
                Information($"removed {dir}");
            }
        }
    });

// Cake reports a failed task (summary, teardown) and then throws; the exit code is the tool's (2 for
// bad input), as the lora verbs and argument errors give it.
try
{
    RunTarget(study.Target);
}
catch (Exception e)
{
    for (var inner = e; inner is not null; inner = inner.InnerException)
    {
        if (inner is CakeException { ExitCode: > 0 } failed)
        {
            Console.Error.WriteLine($"error: {failed.Message}");
            Environment.Exit(failed.ExitCode);
        }
        if (inner is BadInputException bad) // e.g. the data folder is locked by another pipeline
        {
            Console.Error.WriteLine($"error: {bad.Message}");
            Environment.Exit(2);
        }
    }
    throw;
}
