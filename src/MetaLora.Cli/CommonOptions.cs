using System.CommandLine;
using MetaLora.Pipeline;

namespace MetaLora.Cli;

/// <summary>Options shared by the stage verbs, with the same names and defaults as the build script's arguments.</summary>
internal static class CommonOptions
{
    public static Option<string> DataDir() => new("--data-dir")
    {
        Description = "Folder for inputs and intermediates (tokens, distances, coefficients, adapters).",
        DefaultValueFactory = _ => "data",
    };

    public static Option<string?> BankDir() => new("--bank-dir")
    {
        Description = "Bank directory (bank.json, base_model/, datasets/, adapters/). Default: <data-dir>/raw_input.",
    };

    public static Option<int> Limit() => new("--limit")
    {
        Description = "Use only the first N tasks of the bank (0 = all).",
        DefaultValueFactory = _ => 0,
        Validators = { r => { if (r.GetValueOrDefault<int>() < 0) r.AddError("--limit must be >= 0"); } },
    };

    public static Option<bool> Force() => new("--force") { Description = "Redo the work even when it is up to date." };

    public static string ResolveBankDir(string? bankDir, string dataDir) => bankDir ?? new DataLayout(dataDir).DefaultBankDir;
}
