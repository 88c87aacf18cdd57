using System.CommandLine;
using MetaLora.Stages;
using MetaLora.Study;
using MetaLora.Repro;
using MetaLora.Repro.CodeIdentity;

namespace MetaLora.Cli;

internal static class TokenizeCommand
{
    [StageEntry(StageVerbs.Tokenize)]
    public static Command Create()
    {
        var bank = new BankOptions();
        var force = CommonOptions.Force();
        var command = new Command("tokenize",
            "Tokenize each task's train split (input + output[0] per sample, the tokenizer's default special tokens) " +
            "into <data-dir>/preprocessed/tokens/<task>.npy (int32). Resumable per task.")
        {
            force,
        };
        bank.AddTo(command);
        command.SetAction(parse =>
        {
            var s = bank.Resolve(parse);
            using var _ = DataFolderLock.Acquire(s.Layout.DataDir);
            var done = 0;
            var summary = Progress.Run(StageName.Of(StageKind.Tokenize), s.Tasks.Count, progress =>
                TokenizeStage.Run(s.Bank, s.Layout, s.Limit, parse.GetValue(force),
                    new Ticker<string>(_ => progress.Report(Interlocked.Increment(ref done)))));
            var resumed = summary.Resumed > 0 ? $" ({summary.Resumed} kept from an interrupted run)" : "";
            Console.WriteLine($"Tokenize: {summary.Tokenized} of {summary.Tasks} tasks tokenized{resumed}, {summary.Tokens:N0} new tokens, {summary.Tasks - summary.Tokenized} up to date");
            return 0;
        });
        return command;
    }
}
