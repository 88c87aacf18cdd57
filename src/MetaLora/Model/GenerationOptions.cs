namespace MetaLora.Model;

/// <summary>How <see cref="Generation.Generate"/> decodes.</summary>
internal sealed record GenerationOptions
{
    /// <summary>The most tokens to generate per prompt (the EOS token not counted, as it is not returned).</summary>
    public int MaxNewTokens { get; init; } = 256;

    /// <summary>Reuse keys and values of earlier positions (one position of work per new token) instead of re-running the whole sequence.</summary>
    public bool UseKvCache { get; init; } = true;

    /// <summary>0 (the default) decodes greedily; above 0, sampling from softmax(logits / temperature).</summary>
    public double Temperature { get; init; }

    /// <summary>With sampling, only the smallest set of most likely tokens whose probabilities reach top_p is kept (nucleus sampling).</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>Seed of the sampling generator: the same seed, prompts and model give the same samples.</summary>
    public long Seed { get; init; }

    /// <summary>Tokens that end a continuation; null for the model config's eos_token_id.</summary>
    public IReadOnlyList<int>? EosTokenIds { get; init; }

    /// <summary>
    /// Asked after each token a row gains, with the row and its tokens so far: true ends that row there, as
    /// EOS would. A server uses it to stop the rows of a request whose client left, or a row at its own
    /// limit or past a stop sequence, while the rest of the batch goes on; null ends rows at EOS and <see cref="MaxNewTokens"/> only.
    /// </summary>
    public Func<int, IReadOnlyList<int>, bool>? EndRow { get; init; }
}
