using System.CommandLine;
using MetaLora;
using MetaLora.Cli;

var config = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
var root = LoraCommand.Create(config);

try
{
    var parsed = root.Parse(args);
    // A bad argument is one line and exit code 2, like any other bad input; help stays one
    // --help away (and is what a bare `lora` or a verb group without its verb prints).
    if (parsed.Errors.Count > 0 && args.Length > 0 && parsed.CommandResult.Command.Action is not null)
    {
        Console.Error.WriteLine($"error: {parsed.Errors[0].Message} (see {string.Join(' ', ["lora", .. CommandPath(parsed.CommandResult), "--help"])})");
        return 2;
    }
    return parsed.Invoke(config);
}
catch (BadInputException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
catch (Exception e) when (MetaLora.IO.StorageFailure.Describe(e) is { } storage)
{
    Console.Error.WriteLine($"error: {storage.Message}");
    return 2;
}

static IEnumerable<string> CommandPath(System.CommandLine.Parsing.CommandResult result)
{
    var names = new List<string>();
    for (var r = result; r?.Parent is System.CommandLine.Parsing.CommandResult parent; r = parent)
        names.Insert(0, r.Command.Name);
    return names;
}

/// <summary>The tool's entry point; internal, as everything in an executable.</summary>
internal partial class Program
{
}
