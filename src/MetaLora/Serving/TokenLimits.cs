namespace MetaLora.Serving;

/// <summary>
/// How long a request may be, in tokens (as TGI's <c>--max-input-tokens</c> and <c>--max-total-tokens</c>):
/// one prompt at most <see cref="MaxInput"/>, a prompt and its <c>max_tokens</c> together at most
/// <see cref="MaxTotal"/>. Past the model's positions it could not attend, so that is the default and the ceiling.
/// </summary>
internal sealed record TokenLimits(int MaxInput, int MaxTotal)
{
    /// <summary>The most <c>max_tokens</c> a request may ask: the total less a BOS and one prompt token.</summary>
    public int MaxNewTokens => MaxTotal - 2;

    /// <summary>The limits <paramref name="options"/> ask for, checked against the model's <paramref name="positions"/>.</summary>
    public static TokenLimits Of(ModelServerOptions options, int positions)
    {
        var total = options.MaxTotalTokens ?? positions;
        if (total < 3 || total > positions)
            throw new BadInputException($"--max-total-tokens={total}: expected 3 to {positions} (the model's max_position_embeddings)");
        var input = options.MaxInputTokens ?? total - 1;
        if (input < 1 || input >= total)
            throw new BadInputException($"--max-input-tokens={input}: expected 1 to {total - 1} (less than --max-total-tokens={total})");
        return new TokenLimits(input, total);
    }
}
