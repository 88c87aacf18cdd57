namespace MetaLora.IO.Http;

/// <summary>
/// A failure a later attempt can fix: 408, 429, a 5xx answer, a dropped or stalled connection, a
/// timed-out attempt. <see cref="HttpRetry"/> retries these and nothing else.
/// </summary>
internal sealed class TransientHttpException(string message, TimeSpan? retryAfter = null, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>The server's Retry-After, which the back-off honours instead of its own delay.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;

    /// <summary>A transient failure for <paramref name="response"/>, with the wait its Retry-After header asks for.</summary>
    public static TransientHttpException Of(HttpResponseMessage response, string message)
    {
        var header = response.Headers.RetryAfter;
        TimeSpan? wait = header?.Delta;
        if (wait is null && header?.Date is { } date)
            wait = date - DateTimeOffset.UtcNow is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero;
        return new TransientHttpException(message, wait);
    }
}
