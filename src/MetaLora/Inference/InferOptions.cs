namespace MetaLora.Inference;

internal sealed record InferOptions
{
    /// <summary>
    /// Most new tokens per sample; null: the bank's (<see cref="Bank.BankInfo.Generation"/>, the paper's
    /// 256 unless bank.json says otherwise), so that runs that do not set it agree on one bank.
    /// </summary>
    public int? MaxNewTokens { get; init; }

    /// <summary>Prompts generated together (left-padded). Part of the result: padding changes float rounding.</summary>
    public int BatchSize { get; init; } = DefaultBatchSize;

    /// <summary>The batch size when none is given.</summary>
    public const int DefaultBatchSize = 16;

    /// <summary>Tasks run at once, each worker with its own copy of the model; 0 chooses (see <see cref="Local.LocalInfer"/>).</summary>
    public int Workers { get; init; }

    public Shard Shard { get; init; } = Shard.All;
    public int Limit { get; init; }
    public bool Force { get; init; }
}
