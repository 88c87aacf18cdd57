namespace MetaLora.Cli.Bench;

/// <summary>What one concurrency level of <c>lora bench serve</c> measured.</summary>
/// <param name="Clients">Clients sending at once, each one request after another.</param>
/// <param name="Seconds">How long the level ran, from the first request to the last answer.</param>
/// <param name="Requests">Requests answered 200 within the level's time.</param>
/// <param name="Tokens">Tokens those requests generated (the answers' <c>usage.completion_tokens</c>).</param>
/// <param name="LatencyP50">Median seconds from sending a request to its whole answer.</param>
/// <param name="LatencyP99">99th percentile of the same (nearest rank).</param>
/// <param name="TooMany">429 answers (the server's queue was full).</param>
/// <param name="Errors">Any other failure: another status, a refused connection, a timeout.</param>
/// <param name="ServerPeakRss">The server's peak resident bytes since it started, read after the level.</param>
internal sealed record ServeLevel(int Clients, double Seconds, long Requests, long Tokens, double LatencyP50, double LatencyP99, long TooMany, long Errors, long ServerPeakRss)
{
    public double RequestsPerSecond => Requests / Seconds;

    public double TokensPerSecond => Tokens / Seconds;
}
