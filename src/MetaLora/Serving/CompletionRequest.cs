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

    private static readonly string[] Implemented = ["model", "prompt", "max_tokens", "temperature", "top_p", "seed", "ignore_eos"];

    /// <summary>Fields this server does not implement: the values that leave them off, and what to say otherwise.</summary>
    private static readonly (string Name, Func<JsonElement, bool> Off, string Message)[] Unsupported =
    [
        ("stream", v => v.ValueKind is JsonValueKind.False, "stream is not supported; send stream: false"),
        ("stream_options", _ => false, "stream_options is not supported (stream is not)"),
        ("stop", v => v.ValueKind == JsonValueKind.Array && v.GetArrayLength() == 0, "stop is not supported: generation ends at EOS or max_tokens"),
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

    private static bool IsOne(JsonElement value) => value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var n) && n == 1;

    private static bool IsZero(JsonElement value) => value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var n) && n == 0;
}
