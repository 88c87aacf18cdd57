using MetaLora.Repro.CodeIdentity;


namespace MetaLora.Inference.OpenAi;

/// <summary>
/// How Infer reaches an OpenAI-compatible inference server (<c>--engine openai</c>): vLLM, or
/// <c>lora serve</c>, or any server with <c>/v1/completions</c> and <c>/v1/models</c>.
/// </summary>
[StageVariant(InferEngineNames.Parameter, InferEngineNames.OpenAi)]
internal sealed record OpenAiServerOptions
{
    /// <summary>The default number of requests in flight: enough for vLLM to fill its batches.</summary>
    public const int DefaultConcurrency = 32;

    /// <summary>The environment variable that holds the API key unless another is named.</summary>
    public const string DefaultApiKeyVariable = "OPENAI_API_KEY";

    /// <summary>The server's root URL, e.g. <c>http://gpu1:8000</c> (a trailing <c>/v1</c> is accepted).</summary>
    public required string Endpoint { get; init; }

    /// <summary>The base model's name on the server; null for the one entry of <c>/v1/models</c> without a parent.</summary>
    public string? ServedModel { get; init; }

    /// <summary><c>LOCAL=REMOTE</c> path prefixes: the server reads the adapter at <c>LOCAL/x</c> as <c>REMOTE/x</c>.</summary>
    public IReadOnlyList<string> PathMaps { get; init; } = [];

    /// <summary>Requests in flight at once.</summary>
    public int Concurrency { get; init; } = DefaultConcurrency;

    /// <summary>The environment variable holding the API key (the key itself is never stored, printed or logged).</summary>
    public string ApiKeyVariable { get; init; } = DefaultApiKeyVariable;

    /// <summary>Retries of requests that a later attempt can fix.</summary>
    public OpenAiRetrySettings Retry { get; init; } = new();
}
