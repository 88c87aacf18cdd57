namespace MetaLora.Bank.Embedded;

/// <summary>Mean Rouge-L of one task's test split, without adapter (base) and with its bank adapter (finetuned).</summary>
internal sealed record TaskScore(string Task, string Family, double Base, double Finetuned, IReadOnlyList<(string Reference, string Base, string Finetuned)> Examples);
