namespace MetaLora.Bank;

/// <summary>Which bank a study uses when it makes its own.</summary>
internal enum BankKind
{
    /// <summary>The bank the tool builds on this machine: synthetic tasks, a small Mistral, one adapter per task.</summary>
    Embedded,

    /// <summary>The paper's 502 Lots-of-LoRAs adapters and datasets, fetched from the Hugging Face Hub.</summary>
    LotsOfLoras,
}
