using Polly;
using Polly.Retry;

namespace MetaLora.Hub;

/// <summary>
/// Retries with exponential back-off and jitter (Polly) for what a later attempt can fix: 408, 429,
/// 5xx and dropped or stalled connections. Anything else (401, 404, a hash mismatch, a full disk)
/// fails at once. When the retries run out, the last failure becomes one line for the user.
/// </summary>
internal sealed class HubRetry
{
    private readonly ResiliencePipeline _pipeline;
    private readonly int _attempts;

    public HubRetry(HubSettings settings, Action<string>? log)
    {
        _attempts = settings.MaxRetries + 1;
        var options = new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<TransientHubException>(),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = settings.BaseDelay,
            MaxDelay = settings.MaxDelay,
            MaxRetryAttempts = settings.MaxRetries,
            DelayGenerator = args => ValueTask.FromResult(
                args.Outcome.Exception is TransientHubException { RetryAfter: { } wait } ? Min(wait, settings.MaxDelay) : (TimeSpan?)null),
            OnRetry = args =>
            {
                log?.Invoke($"{args.Outcome.Exception?.Message}; retry {args.AttemptNumber + 1} of {settings.MaxRetries} in {args.RetryDelay.TotalSeconds:0.0} s");
                return default;
            },
        };
        // Polly's retry wants at least one retry; none at all is the empty pipeline.
        _pipeline = settings.MaxRetries == 0 ? ResiliencePipeline.Empty : new ResiliencePipelineBuilder().AddRetry(options).Build();
    }

    public async Task<T> ExecuteAsync<T>(Func<CancellationToken, ValueTask<T>> attempt, CancellationToken ct)
    {
        try
        {
            return await _pipeline.ExecuteAsync(attempt, ct);
        }
        catch (TransientHubException e)
        {
            throw new BadInputException($"{e.Message} (gave up after {_attempts} attempts)");
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
