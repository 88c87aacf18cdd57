using System.CommandLine;
using MetaLora.Bank;
using MetaLora.Layout;

namespace MetaLora.Cli;

/// <summary>The data folder, the bank and the task limit: what every stage over the bank's tasks takes.</summary>
internal sealed class BankOptions
{
    private readonly Option<string> _dataDir = CommonOptions.DataDir();

    private readonly Option<string?> _bankDir = new("--bank-dir")
    {
        Description = "Bank directory (bank.json, base_model/, datasets/, adapters/). Default: <data-dir>/raw_input, or <data-dir>/embedded when only that holds a bank.",
    };

    private readonly Option<int> _limit = new("--limit")
    {
        Description = "Use only the first N tasks of the bank (0 = all).",
        DefaultValueFactory = _ => 0,
        Validators = { r => { if (r.GetValueOrDefault<int>() < 0) r.AddError("--limit must be >= 0"); } },
    };

    public void AddTo(Command command)
    {
        command.Options.Add(_dataDir);
        command.Options.Add(_bankDir);
        command.Options.Add(_limit);
    }

    public sealed record Selection(BankInfo Bank, DataLayout Layout, int Limit, IReadOnlyList<string> Tasks);

    /// <summary>Loads and validates the bank; the caller then takes the data folder's lock.</summary>
    public Selection Resolve(ParseResult parse)
    {
        var layout = new DataLayout(parse.GetValue(_dataDir)!);
        var bank = BankInfo.Load(parse.GetValue(_bankDir) ?? layout.BankDirToUse);
        var limit = parse.GetValue(_limit);
        return new Selection(bank, layout, limit, bank.Take(limit));
    }
}
