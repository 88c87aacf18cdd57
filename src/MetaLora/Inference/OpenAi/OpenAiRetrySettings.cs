using MetaLora.Repro.CodeIdentity;


namespace MetaLora.Inference.OpenAi;

/// <summary>Back-off for server requests: exponential from <see cref="BaseDelay"/>, at most <see cref="MaxDelay"/> apart.</summary>
[StageVariant(InferEngineNames.Parameter, InferEngineNames.OpenAi)]
internal sealed record OpenAiRetrySettings
{
    public int MaxRetries { get; init; } = 6;
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>One attempt's limit: a long generation under load is slow, a hung connection is not forever.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromMinutes(10);
}
