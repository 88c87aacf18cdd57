using System.CommandLine;
using MetaLora.Reporting.Publish;
using MetaLora.Repro;

namespace MetaLora.Cli;

/// <summary>lora verify: re-hash a results bundle against its manifest.json.</summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var bundle = new Option<string>("--bundle") { Description = "A .tar.gz bundle, or the folder it was unpacked into.", Required = true };
        var command = new Command("verify",
            "Re-hash every file a results bundle's manifest.json lists; print one line per missing, changed or unlisted file and exit 1 if there is any.")
        {
            bundle,
        };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(bundle)!;
            var outcome = BundleVerifier.Verify(path);
            foreach (var problem in outcome.Problems) Console.Error.WriteLine($"error: {problem}");
            if (!outcome.Ok)
            {
                Console.Error.WriteLine($"verify: {path}: {outcome.Problems.Count} problems; the bundle does not match its manifest");
                return 1;
            }
            var git = outcome.Manifest.Git;
            Console.WriteLine($"verify: {path}: all {outcome.FilesChecked} files match manifest.json (commit {git.Commit}{(git.Dirty == true ? ", dirty" : "")})");
            // Results made under other math modes may differ from a rerun here without anything being corrupt.
            if (outcome.Manifest.Machine is { Math: { } math } machine)
            {
                var here = MathModes.Current;
                var same = math.MklCbwr == here.MklCbwr && math.AtenCpuCapability == here.AtenCpuCapability;
                Console.WriteLine($"verify: made on {machine.Cpu} with {math.Describe()}; " +
                                  (same ? "a rerun here uses the same modes, so it should give the same bytes"
                                        : $"this machine runs {here.Describe()}, so a rerun here may differ in the model's outputs"));
            }
            return 0;
        });
        return command;
    }
}
