using System.CommandLine;

namespace MetaLora.Cli;

/// <summary>The <c>lora</c> command: one verb per pipeline stage, each in its own file building its Command.</summary>
internal static class LoraCommand
{
    public const string Description = "lora: LoRA adapters for new datasets from a bank of (dataset, adapter) pairs, on the CPU, without training.";

    public static RootCommand Create(InvocationConfiguration config)
    {
        RootCommand root = null!;
        root = new RootCommand(Description)
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
            DocsCommand.Create(),
        };
        return root;
    }
}
