namespace MetaLora.Serving;

/// <summary>One completion request waiting for the model: its prompts' ids and how to decode them.</summary>
internal sealed class GenerationJob(string model, IReadOnlyList<IReadOnlyList<int>> prompts, int maxTokens, double temperature, double topP, long seed,
    bool ignoreEos = false, CancellationToken cancellation = default)
{
    public string Model { get; } = model;
    public IReadOnlyList<IReadOnlyList<int>> Prompts { get; } = prompts;
    public int MaxTokens { get; } = maxTokens;
    public double Temperature { get; } = temperature;
    public double TopP { get; } = topP;
    public long Seed { get; } = seed;

    /// <summary>Generate through EOS to <see cref="MaxTokens"/>; such jobs share a batch only with each other.</summary>
    public bool IgnoreEos { get; } = ignoreEos;

    /// <summary>Fires when nobody waits for the answer any more (the client left, its time ran out, the server stops): the job is dropped.</summary>
    public CancellationToken Cancellation { get; } = cancellation;

    /// <summary>
    /// Called on the model's thread after each token one of the job's rows gains, with the row (within
    /// the job) and its tokens so far; true ends the row there (a stop sequence). Streaming reads the
    /// tokens from here. Null: rows end at EOS, <see cref="MaxTokens"/> or cancellation only.
    /// </summary>
    public Func<int, IReadOnlyList<int>, bool>? OnToken { get; init; }

    /// <summary>Greedy jobs of one model can share a batch: each row is continued as it would be alone.</summary>
    public bool Greedy => Temperature <= 0;

    /// <summary>The generated ids of each prompt (EOS excluded).</summary>
    public TaskCompletionSource<int[][]> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
