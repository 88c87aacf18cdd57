using System.Text.Json;

namespace MetaLora.Serving;

/// <summary>
/// A <c>POST /v1/completions</c> body, read strictly: no parameter is silently ignored. A field of
/// OpenAI's API that this server does not implement is accepted only at its "off" value (<c>n: 1</c>,
/// <c>echo: false</c>, <c>logprobs: null</c>, ...) and otherwise refused as not supported; any other unknown
/// field is refused by name. Only <c>user</c>, which carries no meaning for generation, is accepted and ignored.
/// The sampling, stop and stream fields are <see cref="Sampling"/>'s, shared with chat (with vLLM's <c>ignore_eos</c>).
/// To implement a parameter (say <c>logprobs</c>): drop it from <see cref="Unsupported"/>, add a property and read it in <see cref="Parse"/>.
/// Ranges that depend on the model (<c>max_tokens</c>, prompt lengths) are checked by the server.
/// </summary>
internal sealed record CompletionRequest
{
    /// <summary>OpenAI's default when <c>max_tokens</c> is not given.</summary>
    public const int DefaultMaxTokens = 16;

    /// <summary>Fields accepted and ignored: they carry no meaning for generation.</summary>
    private static readonly string[] Ignored = ["user"];

    private static readonly string[] Implemented = ["model", "prompt", "max_tokens", .. Sampling.Fields];

    /// <summary>Fields this server does not implement: the values that leave them off, and what to say otherwise.</summary>
    private static readonly (string Name, Func<JsonElement, bool> Off, string Message)[] Unsupported =
    [
        ("n", Sampling.IsOne, "n is not supported beyond 1: one completion per prompt"),
        ("best_of", Sampling.IsOne, "best_of is not supported beyond 1"),
        ("echo", v => v.ValueKind is JsonValueKind.False, "echo is not supported"),
        ("logprobs", _ => false, "logprobs is not supported"),
        ("suffix", v => v.ValueKind == JsonValueKind.String && v.GetString()!.Length == 0, "suffix is not supported"),
        .. Sampling.Unsupported,
    ];

    private static readonly HashSet<string> Known = [.. Implemented, .. Ignored, .. Unsupported.Select(u => u.Name)];

    public required string Model { get; init; }

    /// <summary>The prompts, one completion each (a string prompt is a list of one).</summary>
    public required IReadOnlyList<string> Prompts { get; init; }

    /// <summary>As given: the server checks it against its limits.</summary>
    public long MaxTokens { get; init; } = DefaultMaxTokens;

    public required Sampling Sampling { get; init; }

    /// <summary>The request in <paramref name="body"/> (a JSON object), or the 400 that says what is wrong with it.</summary>
    public static CompletionRequest Parse(JsonElement body)
    {
        Sampling.CheckFields(body, Known, Unsupported);
        return new CompletionRequest
        {
            Model = RequestFields.RequiredString(body, "model"),
            Prompts = PromptsOf(body),
            MaxTokens = RequestFields.WholeNumber(body, "max_tokens", DefaultMaxTokens),
            Sampling = Sampling.Parse(body),
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
}
