using System.CommandLine;
using MetaLora;
using MetaLora.Cli;

// One tool, one verb per pipeline stage; each verb lives in its own file and builds its Command.
var config = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
RootCommand root = null!;
root = new RootCommand("lora: LoRA adapters for new datasets from a bank of (dataset, adapter) pairs, on the CPU, without training.")
{
    TokenizeCommand.Create(),
    DistancesCommand.Create(),
    GramCommand.Create(),
    CoefficientsCommand.Create(),
    PredictCommand.Create(),
    GenerateCommand.Create(),
    FetchCommand.Create(),
    InferCommand.Create(),
    EvaluateCommand.Create(),
    ReportCommand.Create(),
    PublishCommand.Create(),
    VerifyCommand.Create(),
    ScoreCommand.Create(),
    PipelineCommands.Run(verbArgs => root.Parse(verbArgs.ToArray()).Invoke(config)),
    PipelineCommands.Status(),
    PipelineCommands.Plan(),
    BenchCommand.Create(),
    BankCommand.Create(),
    SlurmCommand.Create(),
    FingerprintCommand.Create(),
    ServeCommand.Create(),
};

try
{
    return root.Parse(args).Invoke(config);
}
catch (BadInputException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
