using MetaLora.Pipeline;

namespace MetaLora.Serving;

/// <summary>A failure a later attempt can fix: 408, 429, a 5xx answer, a dropped connection or a timed-out attempt.</summary>
[StageVariant("engine", "openai")]
public sealed class TransientServerException(string message, TimeSpan? retryAfter = null, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>The server's Retry-After, which the back-off honours instead of its own delay.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
