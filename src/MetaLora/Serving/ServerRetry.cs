using Polly;
using Polly.Retry;
using MetaLora.Pipeline;

namespace MetaLora.Serving;

/// <summary>
/// Retries with exponential back-off and jitter (Polly), as the Hub client does: only
/// <see cref="TransientServerException"/> is retried, after the server's Retry-After when it gives one.
/// When the retries run out, the last failure becomes one line for the user.
/// </summary>
[StageVariant("engine", "openai")]
internal sealed class ServerRetry
{
    private readonly ResiliencePipeline _pipeline;
    private readonly int _attempts;

    public ServerRetry(ServerRetrySettings settings, Action<string>? log)
    {
        _attempts = settings.MaxRetries + 1;
        var options = new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<TransientServerException>(),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = settings.BaseDelay,
            MaxDelay = settings.MaxDelay,
            MaxRetryAttempts = settings.MaxRetries,
            DelayGenerator = args => ValueTask.FromResult(
                args.Outcome.Exception is TransientServerException { RetryAfter: { } wait } ? (wait < settings.MaxDelay ? wait : settings.MaxDelay) : (TimeSpan?)null),
            OnRetry = args =>
            {
                log?.Invoke($"{args.Outcome.Exception?.Message}; retry {args.AttemptNumber + 1} of {settings.MaxRetries} in {args.RetryDelay.TotalSeconds:0.0} s");
                return default;
            },
        };
        _pipeline = settings.MaxRetries == 0 ? ResiliencePipeline.Empty : new ResiliencePipelineBuilder().AddRetry(options).Build();
    }

    public async Task<T> ExecuteAsync<T>(Func<CancellationToken, ValueTask<T>> attempt, CancellationToken ct)
    {
        try
        {
            return await _pipeline.ExecuteAsync(attempt, ct);
        }
        catch (TransientServerException e)
        {
            throw new BadInputException($"{e.Message} (gave up after {_attempts} attempts)");
        }
    }
}
