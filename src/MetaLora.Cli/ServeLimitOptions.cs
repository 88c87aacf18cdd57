using System.CommandLine;
using MetaLora.Serving;

namespace MetaLora.Cli;

/// <summary><c>lora serve</c>'s limits on what one client may ask of it, with the names TGI and vLLM users know.</summary>
internal sealed class ServeLimitOptions
{
    private readonly Option<long> _maxBodyBytes = new("--max-body-bytes")
    {
        Description = "Largest request body accepted, in bytes; larger ones get 413.",
        DefaultValueFactory = _ => ModelServerOptions.DefaultMaxBodyBytes,
    };

    private readonly Option<int?> _maxInputTokens = new("--max-input-tokens")
    {
        Description = "Most tokens one prompt may have (BOS included); longer ones get 400 (never cut). Default: --max-total-tokens - 1.",
    };

    private readonly Option<int?> _maxTotalTokens = new("--max-total-tokens")
    {
        Description = "Most tokens of a prompt and its max_tokens together (vLLM's --max-model-len); more get 400. " +
                      "Default and ceiling: the model's max_position_embeddings.",
    };

    private readonly Option<int> _maxConcurrent = new("--max-concurrent-requests")
    {
        Description = "Most requests in hand at once (generating or waiting for the model); more get 429 with Retry-After.",
        DefaultValueFactory = _ => ModelServerOptions.DefaultMaxConcurrentRequests,
    };

    private readonly Option<double> _requestTimeout = new("--request-timeout")
    {
        Description = "Seconds a completion may take from arrival to answer; past it, 504 and its generation stops. 0: no limit.",
        DefaultValueFactory = _ => ModelServerOptions.DefaultRequestTimeout.TotalSeconds,
    };

    private readonly Option<double> _shutdownTimeout = new("--shutdown-timeout")
    {
        Description = "On SIGTERM or Ctrl+C, seconds the requests in hand may still take; then they are cancelled (503) and the server exits 0.",
        DefaultValueFactory = _ => ModelServerOptions.DefaultShutdownTimeout.TotalSeconds,
    };

    public static ServeLimitOptions Create() => new();

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _maxBodyBytes, _maxInputTokens, _maxTotalTokens, _maxConcurrent, _requestTimeout, _shutdownTimeout })
            command.Options.Add(option);
    }

    /// <summary><paramref name="options"/> with the limits given on the command line.</summary>
    public ModelServerOptions Apply(ParseResult parse, ModelServerOptions options) => options with
    {
        MaxBodyBytes = parse.GetValue(_maxBodyBytes),
        MaxInputTokens = parse.GetValue(_maxInputTokens),
        MaxTotalTokens = parse.GetValue(_maxTotalTokens),
        MaxConcurrentRequests = parse.GetValue(_maxConcurrent),
        RequestTimeout = Seconds(parse.GetValue(_requestTimeout), "--request-timeout"),
        ShutdownTimeout = Seconds(parse.GetValue(_shutdownTimeout), "--shutdown-timeout"),
    };

    private static TimeSpan Seconds(double seconds, string name) =>
        double.IsFinite(seconds) && seconds is >= 0 and <= 24 * 3600 ? TimeSpan.FromSeconds(seconds)
            : throw new BadInputException($"{name}={seconds}: expected seconds from 0 to 86400");
}
