using System.CommandLine;
using MetaLora;
using MetaLora.Cli;

// One tool, one verb per pipeline stage. Each verb lives in its own file and builds its Command.
var root = new RootCommand("lora: build LoRA adapters for new datasets from a bank of (dataset, adapter) pairs, on the CPU, without training.");
root.Subcommands.Add(BenchCommand.Create());

try
{
    return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (BadInputException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
