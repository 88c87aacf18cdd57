using Polly;
using Polly.Retry;

namespace MetaLora.IO.Http;

/// <summary>
/// Retries with exponential back-off and jitter (Polly), for the Hub client and the OpenAI-compatible
/// client alike: only <see cref="TransientHttpException"/> is retried, after the server's Retry-After
/// when it gives one (capped at the longest delay). Anything else (401, 404, a hash
/// mismatch, a full disk) fails at once. When the retries run out, the last failure becomes one line
/// for the user.
/// </summary>
internal sealed class HttpRetry
{
    private readonly ResiliencePipeline _pipeline;
    private readonly int _attempts;

    public HttpRetry(int maxRetries, TimeSpan baseDelay, TimeSpan maxDelay, Action<string>? log)
    {
        _attempts = maxRetries + 1;
        var options = new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<TransientHttpException>(),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = baseDelay,
            MaxDelay = maxDelay,
            MaxRetryAttempts = maxRetries,
            DelayGenerator = args => ValueTask.FromResult(
                args.Outcome.Exception is TransientHttpException { RetryAfter: { } wait } ? (wait < maxDelay ? wait : maxDelay) : (TimeSpan?)null),
            OnRetry = args =>
            {
                log?.Invoke($"{args.Outcome.Exception?.Message}; retry {args.AttemptNumber + 1} of {maxRetries} in {args.RetryDelay.TotalSeconds:0.0} s");
                return default;
            },
        };
        // Polly's retry wants at least one retry; none at all is the empty pipeline.
        _pipeline = maxRetries == 0 ? ResiliencePipeline.Empty : new ResiliencePipelineBuilder().AddRetry(options).Build();
    }

    public async Task<T> ExecuteAsync<T>(Func<CancellationToken, ValueTask<T>> attempt, CancellationToken ct)
    {
        try
        {
            return await _pipeline.ExecuteAsync(attempt, ct);
        }
        catch (TransientHttpException e)
        {
            throw new BadInputException($"{e.Message} (gave up after {_attempts} attempts)");
        }
    }
}
