namespace MetaLora.Bank;

/// <summary>
/// How the bank's tasks are generated at inference: bank.json's optional <c>"generation"</c> object.
/// A bank that has none, or leaves a key out, gets the paper's setting. The setting belongs to the
/// bank rather than to the command line, so every way of running Infer on a bank (the build script,
/// <c>lora infer</c>, Slurm shards, an inference server) generates the same way, whatever path names it.
/// </summary>
/// <param name="MaxNewTokens">Most new tokens generated per sample, unless <c>--max-new-tokens</c> says otherwise.</param>
internal sealed record BankGeneration(int MaxNewTokens)
{
    /// <summary>The key in bank.json.</summary>
    public const string Key = "generation";

    public const string MaxNewTokensKey = "max_new_tokens";

    /// <summary>The keys <c>"generation"</c> may hold.</summary>
    public static readonly IReadOnlyList<string> Keys = new[] { MaxNewTokensKey };

    /// <summary>The paper generates up to 256 new tokens per sample.</summary>
    public const int PaperMaxNewTokens = 256;

    /// <summary>The paper's settings: what a bank without <c>"generation"</c> gets.</summary>
    public static BankGeneration Paper { get; } = new(PaperMaxNewTokens);
}
