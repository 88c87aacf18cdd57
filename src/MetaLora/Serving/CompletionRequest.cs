using System.Text.Json;

namespace MetaLora.Serving;

/// <summary>
/// A <c>POST /v1/completions</c> body, read strictly: no parameter is silently ignored. A field of
/// OpenAI's API that this server does not implement is accepted only at its "off" value (<c>n: 1</c>,
/// <c>echo: false</c>, <c>logprobs: null</c>, ...) and otherwise refused as not supported; any other unknown
/// field is refused by name. Only <c>user</c>, which carries no meaning for generation, is accepted and ignored.
/// One vLLM extension is implemented: <c>ignore_eos</c>.
/// To implement a parameter (say <c>stop</c>): drop it from <see cref="Unsupported"/>, add a property and read it in <see cref="Parse"/>.
/// Ranges that depend on the model (<c>max_tokens</c>, prompt lengths) are checked by the server.
/// </summary>
internal sealed record CompletionRequest
{
    /// <summary>OpenAI's default when <c>max_tokens</c> is not given.</summary>
    public const int DefaultMaxTokens = 16;

    /// <summary>Fields accepted and ignored: they carry no meaning for generation.</summary>
    private static readonly string[] Ignored = ["user"];

    private static readonly string[] Implemented = ["model", "prompt", "max_tokens", "temperature", "top_p", "seed", "ignore_eos", "stop", "stream", "stream_options"];

    /// <summary>Most stop sequences in one request, and the longest one (vLLM sets no bound; a bound keeps the work per token small).</summary>
    public const int MaxStops = 16, MaxStopLength = 256;

    /// <summary>Fields this server does not implement: the values that leave them off, and what to say otherwise.</summary>
    private static readonly (string Name, Func<JsonElement, bool> Off, string Message)[] Unsupported =
    [
        ("n", IsOne, "n is not supported beyond 1: one completion per prompt"),
        ("best_of", IsOne, "best_of is not supported beyond 1"),
        ("echo", v => v.ValueKind is JsonValueKind.False, "echo is not supported"),
        ("logprobs", _ => false, "logprobs is not supported"),
        ("suffix", v => v.ValueKind == JsonValueKind.String && v.GetString()!.Length == 0, "suffix is not supported"),
        ("presence_penalty", IsZero, "presence_penalty is not supported (other than 0)"),
        ("frequency_penalty", IsZero, "frequency_penalty is not supported (other than 0)"),
        ("logit_bias", v => v.ValueKind == JsonValueKind.Object && !v.EnumerateObject().Any(), "logit_bias is not supported"),
    ];

    private static readonly HashSet<string> Known = [.. Implemented, .. Ignored, .. Unsupported.Select(u => u.Name)];

    public required string Model { get; init; }

    /// <summary>The prompts, one completion each (a string prompt is a list of one).</summary>
    public required IReadOnlyList<string> Prompts { get; init; }

    /// <summary>As given: the server checks it against its limits.</summary>
    public long MaxTokens { get; init; } = DefaultMaxTokens;

    public double Temperature { get; init; } = 1.0;

    public double TopP { get; init; } = 1.0;

    public long Seed { get; init; }

    /// <summary>vLLM's <c>ignore_eos</c>: generate through EOS to <c>max_tokens</c> (for load tests and benchmarks).</summary>
    public bool IgnoreEos { get; init; }

    /// <summary>Sequences that end a completion where they appear; they are not part of its text.</summary>
    public IReadOnlyList<string> Stop { get; init; } = [];

    /// <summary>Answer as server-sent events, a chunk per piece of text, then <c>data: [DONE]</c>.</summary>
    public bool Stream { get; init; }

    /// <summary><c>stream_options.include_usage</c>: a last chunk with the token counts.</summary>
    public bool IncludeUsage { get; init; }

    /// <summary>The request in <paramref name="body"/> (a JSON object), or the 400 that says what is wrong with it.</summary>
    public static CompletionRequest Parse(JsonElement body)
    {
        RequestFields.CheckNames(body, Known);
        foreach (var (name, off, message) in Unsupported)
            if (!RequestFields.Missing(body, name, out var value) && !off(value)) throw ServeException.BadRequest(message, name);
        var temperature = RequestFields.FiniteNumber(body, "temperature", 1.0);
        if (temperature < 0) throw ServeException.BadRequest($"temperature={temperature}: expected >= 0", "temperature");
        var topP = RequestFields.FiniteNumber(body, "top_p", 1.0);
        if (topP is <= 0 or > 1) throw ServeException.BadRequest($"top_p={topP}: expected a number in (0, 1]", "top_p");
        return new CompletionRequest
        {
            Model = RequestFields.RequiredString(body, "model"),
            Prompts = PromptsOf(body),
            MaxTokens = RequestFields.WholeNumber(body, "max_tokens", DefaultMaxTokens),
            Temperature = temperature,
            TopP = topP,
            Seed = RequestFields.WholeNumber(body, "seed", 0),
            IgnoreEos = RequestFields.Boolean(body, "ignore_eos", false),
            Stop = StopsOf(body),
            Stream = RequestFields.Boolean(body, "stream", false),
            IncludeUsage = IncludeUsageOf(body),
        };
    }

    private static string[] PromptsOf(JsonElement body)
    {
        if (!body.TryGetProperty("prompt", out var prompt)) throw ServeException.BadRequest("prompt is required", "prompt");
        if (prompt.ValueKind == JsonValueKind.String) return [prompt.GetString()!];
        if (prompt.ValueKind == JsonValueKind.Array && prompt.GetArrayLength() > 0 && prompt.EnumerateArray().All(p => p.ValueKind == JsonValueKind.String))
            return prompt.EnumerateArray().Select(p => p.GetString()!).ToArray();
        throw ServeException.BadRequest("prompt must be a string or a non-empty list of strings", "prompt");
    }

    /// <summary><c>stop</c>: null, a string or a list of strings, each not empty.</summary>
    public static IReadOnlyList<string> StopsOf(JsonElement body)
    {
        if (RequestFields.Missing(body, "stop", out var stop)) return [];
        var stops = stop.ValueKind switch
        {
            JsonValueKind.String => [stop.GetString()!],
            JsonValueKind.Array when stop.EnumerateArray().All(s => s.ValueKind == JsonValueKind.String) => stop.EnumerateArray().Select(s => s.GetString()!).ToArray(),
            _ => throw ServeException.BadRequest("stop must be a string or a list of strings", "stop"),
        };
        if (stops.Length > MaxStops) throw ServeException.BadRequest($"stop has {stops.Length} sequences; at most {MaxStops}", "stop");
        if (stops.Any(s => s.Length is 0 or > MaxStopLength)) throw ServeException.BadRequest($"every stop sequence must have 1 to {MaxStopLength} characters", "stop");
        return stops;
    }

    /// <summary><c>stream_options</c>: only with <c>stream: true</c>, and only <c>include_usage</c>.</summary>
    public static bool IncludeUsageOf(JsonElement body)
    {
        if (RequestFields.Missing(body, "stream_options", out var options)) return false;
        if (!RequestFields.Boolean(body, "stream", false)) throw ServeException.BadRequest("stream_options is only allowed with stream: true", "stream_options");
        if (options.ValueKind != JsonValueKind.Object) throw ServeException.BadRequest("stream_options must be an object", "stream_options");
        RequestFields.CheckNames(options, new HashSet<string>(["include_usage"]));
        return RequestFields.Boolean(options, "include_usage", false);
    }

    private static bool IsOne(JsonElement value) => value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var n) && n == 1;

    private static bool IsZero(JsonElement value) => value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var n) && n == 0;
}
