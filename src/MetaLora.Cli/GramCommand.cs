using System.CommandLine;
using MetaLora.Stages;
using MetaLora.Study;
using MetaLora.Repro;
using MetaLora.Repro.CodeIdentity;

namespace MetaLora.Cli;

internal static class GramCommand
{
    [StageEntry(StageVerbs.Gram)]
    public static Command Create()
    {
        var bank = new BankOptions();
        var command = new Command("gram",
            "G = A Aᵀ of the bank's adapters flattened into rows, in one streaming pass, into <data-dir>/preprocessed/gram.csv " +
            "(mlp_version trains on it: ‖(C − I) A‖² = trace((C − I) G (C − I)ᵀ)).");
        bank.AddTo(command);
        command.SetAction(parse =>
        {
            var s = bank.Resolve(parse);
            using var _ = DataFolderLock.Acquire(s.Layout.DataDir);
            PredictStages.Gram(s.Bank, s.Layout, s.Limit);
            Console.WriteLine($"Gram: {s.Tasks.Count} x {s.Tasks.Count} -> {s.Layout.GramFile}");
            return 0;
        });
        return command;
    }
}
