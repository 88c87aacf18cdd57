namespace MetaLora.Bank.Embedded;

/// <summary>The bank profiles' names, as <c>--bank-profile</c> spells them, and what each asks of <c>lora bank build</c>.</summary>
internal static class BankProfileNames
{
    public const string Full = "full";
    public const string Tiny = "tiny";

    public const BankProfile Default = BankProfile.Full;

    internal static readonly NameTable<BankProfile> Table = new("bank profile", "bank profiles", [(BankProfile.Full, Full), (BankProfile.Tiny, Tiny)]);

    public static string Name(this BankProfile profile) => Table.Name(profile);

    /// <summary>The <c>lora bank build</c> arguments of a profile (none for the full bank, which is the verb's default).</summary>
    public static IReadOnlyList<string> BuildArguments(this BankProfile profile) => profile == BankProfile.Full ? [] :
    [
        "--tasks", "6", "--train-samples", "40", "--valid-samples", "4", "--test-samples", "6", "--generic-samples", "400",
        "--hidden", "32", "--intermediate", "64", "--base-steps", "30", "--lora-steps", "8", "--lora-batch", "8",
    ];
}
