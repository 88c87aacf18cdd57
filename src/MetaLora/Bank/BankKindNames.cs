namespace MetaLora.Bank;

/// <summary>The banks' names, as <c>--bank</c> and bank.json spell them.</summary>
internal static class BankKindNames
{
    public const string Embedded = "embedded";
    public const string LotsOfLoras = "lots-of-loras";

    public const BankKind Default = BankKind.Embedded;

    internal static readonly NameTable<BankKind> Table = new("bank", "banks", [(BankKind.Embedded, Embedded), (BankKind.LotsOfLoras, LotsOfLoras)]);

    public static string Name(this BankKind bank) => Table.Name(bank);
}
