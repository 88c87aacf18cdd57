namespace MetaLora.Serving;

/// <summary>One completion request waiting for the model: its prompts' ids and how to decode them.</summary>
internal sealed class GenerationJob(string model, IReadOnlyList<IReadOnlyList<int>> prompts, int maxTokens, double temperature, double topP, long seed)
{
    public string Model { get; } = model;
    public IReadOnlyList<IReadOnlyList<int>> Prompts { get; } = prompts;
    public int MaxTokens { get; } = maxTokens;
    public double Temperature { get; } = temperature;
    public double TopP { get; } = topP;
    public long Seed { get; } = seed;

    /// <summary>Greedy jobs of one model can share a batch: each row is continued as it would be alone.</summary>
    public bool Greedy => Temperature <= 0;

    /// <summary>The generated ids of each prompt (EOS excluded).</summary>
    public TaskCompletionSource<int[][]> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
