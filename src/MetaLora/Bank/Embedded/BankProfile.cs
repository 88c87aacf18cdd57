namespace MetaLora.Bank.Embedded;

/// <summary>How big an embedded bank is.</summary>
internal enum BankProfile
{
    /// <summary>The study's bank: 32 tasks.</summary>
    Full,

    /// <summary>A few tasks and training steps, for CI and tests: the same code and layout.</summary>
    Tiny,
}
