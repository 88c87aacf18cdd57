using System.CommandLine;
using MetaLora.Bank;
using MetaLora.Pipeline;
using MetaLora.Stages;

namespace MetaLora.Cli;

internal static class TokenizeCommand
{
    public static Command Create()
    {
        var dataDir = CommonOptions.DataDir();
        var bankDir = CommonOptions.BankDir();
        var limit = CommonOptions.Limit();
        var force = CommonOptions.Force();
        var command = new Command("tokenize",
            "Tokenize each task's train split (input + output[0] per sample, the tokenizer's default special tokens) " +
            "into <data-dir>/preprocessed/tokens/<task>.npy (int32). Resumable per task.")
        {
            dataDir, bankDir, limit, force,
        };
        command.SetAction(parse =>
        {
            var data = parse.GetValue(dataDir)!;
            var bank = BankInfo.Load(CommonOptions.ResolveBankDir(parse.GetValue(bankDir), data));
            var layout = new DataLayout(data);
            using var _ = DataFolderLock.Acquire(data);
            var n = bank.Take(parse.GetValue(limit)).Count;
            var summary = Progress.Run("Tokenize", n, tick =>
                TokenizeStage.Run(bank, layout, parse.GetValue(limit), parse.GetValue(force), new Ticker<string>(_ => tick())));
            var resumed = summary.Resumed > 0 ? $" ({summary.Resumed} kept from an interrupted run)" : "";
            Console.WriteLine($"Tokenize: {summary.Tokenized} of {summary.Tasks} tasks tokenized{resumed}, {summary.Tokens:N0} new tokens, {summary.Tasks - summary.Tokenized} up to date");
            return 0;
        });
        return command;
    }
}
