namespace MetaLora.Bank;

/// <summary>What to fetch: the bank folder, the first <see cref="Limit"/> tasks (0 = all), and how.</summary>
/// <param name="BankDir">The bank folder to fill.</param>
/// <param name="Limit">Fetch only the first this many tasks; 0 = all.</param>
/// <param name="Revision">Resolve every repo at this branch, tag or commit instead of the pinned commits (first run: "main").</param>
/// <param name="Jobs">Files downloaded in parallel.</param>
/// <param name="IncludeBaseModelWeights">Also fetch the base model's safetensors shards and index (14.5 GB for Mistral-7B).</param>
internal sealed record FetchOptions(string BankDir, int Limit = 0, string? Revision = null, int Jobs = 4, bool IncludeBaseModelWeights = false);
