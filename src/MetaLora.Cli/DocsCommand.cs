using System.CommandLine;

namespace MetaLora.Cli;

/// <summary>
/// <c>lora docs</c> (hidden; for contributors): writes the generated parts of the docs
/// (<see cref="CliReference"/>) into a clone, or with <c>--check</c> only says which are out of date.
/// </summary>
internal static class DocsCommand
{
    public static Command Create()
    {
        var repo = new Option<string>("--repo") { Description = "The repository's root.", DefaultValueFactory = _ => "." };
        var check = new Option<bool>("--check") { Description = "Write nothing; exit 1 naming every generated page that is out of date." };
        var command = new Command("docs", "Regenerate the docs' option tables (docs/cli.md and the arguments table of docs/pipeline.md) from the tool's own options.")
        {
            repo, check,
        };
        command.Hidden = true;
        command.SetAction(parse =>
        {
            var root = parse.GetValue(repo)!;
            var stale = 0;
            foreach (var (path, text) in CliReference.Expected(LoraCommand.Create(new InvocationConfiguration()), page => System.Text.Encoding.UTF8.GetString(MetaLora.IO.InputFile.ReadAllBytes(Path.Combine(root, page)))))
            {
                var file = Path.Combine(root, path);
                if (File.Exists(file) && File.ReadAllText(file) == text) continue;
                stale++;
                if (parse.GetValue(check))
                    Console.Error.WriteLine($"{path}: out of date; run: {CliReference.Regenerate}");
                else
                {
                    MetaLora.IO.AtomicFile.WriteAllText(file, text);
                    Console.WriteLine($"{path}: written");
                }
            }
            return parse.GetValue(check) && stale > 0 ? 1 : 0;
        });
        return command;
    }
}
