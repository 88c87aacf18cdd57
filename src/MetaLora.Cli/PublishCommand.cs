using System.CommandLine;
using MetaLora.Reporting.Publish;

namespace MetaLora.Cli;

/// <summary>lora publish: the results bundle with its provenance manifest (the build script's Publish target).</summary>
internal static class PublishCommand
{
    public static Command Create()
    {
        var dataDir = CommonOptions.DataDir();
        var results = CommonOptions.ResultsDir();
        var outDir = new Option<string>("--out") { Description = "Folder for the bundle.", DefaultValueFactory = _ => PublishBundle.DefaultFolder };
        var bank = new Option<string>("--bank") { Description = "Bank name, the first part of the bundle's name.", Required = true };
        var arg = new Option<string[]>("--arg") { Description = "A build argument name=value to record in manifest.json (repeatable)." };
        var repo = new Option<string>("--repo") { Description = "Git checkout whose commit and state are recorded.", DefaultValueFactory = _ => "." };
        var command = new Command("publish",
            "Pack <results-dir>'s score tables, summary.md/json, report.html and figures into <out>/<bank>-<short commit>.tar.gz with a manifest.json: " +
            "commit and dirty flag, arguments, tool and package versions, OS and CPU, and the stages behind the results (parameters, " +
            "durations, input and output hashes, from <data-dir>/.stages/). The same results give the same bytes. Check one with lora verify.")
        {
            dataDir, results, outDir, bank, arg, repo,
        };
        command.SetAction(parse =>
        {
            var arguments = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var a in parse.GetValue(arg) ?? [])
            {
                var eq = a.IndexOf('=');
                if (eq <= 0) throw new BadInputException($"--arg {a}: expected name=value");
                arguments[a[..eq]] = a[(eq + 1)..];
            }
            var epochText = Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH");
            long? epoch = null;
            if (!string.IsNullOrEmpty(epochText))
                epoch = long.TryParse(epochText, out var e) && e >= 0 ? e
                    : throw new BadInputException($"SOURCE_DATE_EPOCH={epochText}: expected seconds since 1970 (a whole number >= 0)");
            var repoDir = parse.GetValue(repo)!;
            var published = PublishBundle.Create(new PublishRequest(
                parse.GetValue(dataDir)!, parse.GetValue(results)!, parse.GetValue(outDir)!, parse.GetValue(bank)!, arguments,
                GitInfo.Read(repoDir), ToolVersions.Current(repoDir), MachineInfo.Current(), epoch));
            var m = published.Manifest;
            var dirty = m.Git.Dirty switch { true => " (with uncommitted changes)", false => "", null => " (not a git checkout)" };
            Console.WriteLine($"Publish: {published.Path}: {m.Files.Count} files, {m.Stages.Count} stages, commit {m.Git.Short}{dirty}");
            Console.WriteLine($"Publish: sha256 {published.Sha256}");
            return 0;
        });
        return command;
    }
}
