using System.Text.Json;

namespace MetaLora.Serving;

/// <summary>
/// How to generate and answer, the fields <c>/v1/completions</c> and <c>/v1/chat/completions</c> share:
/// temperature (0 is greedy), top_p, seed, vLLM's <c>ignore_eos</c> (through EOS to max_tokens, for load
/// tests), stop sequences, and streaming with its <c>include_usage</c>.
/// </summary>
internal sealed record Sampling(double Temperature, double TopP, long Seed, bool IgnoreEos, IReadOnlyList<string> Stop, bool Stream, bool IncludeUsage)
{
    /// <summary>Most stop sequences in one request, and the longest one (vLLM sets no bound; a bound keeps the work per token small).</summary>
    public const int MaxStops = 16, MaxStopLength = 256;

    /// <summary>Fields of both endpoints this server does not implement, with the values that leave them off.</summary>
    public static readonly (string Name, Func<JsonElement, bool> Off, string Message)[] Unsupported =
    [
        ("presence_penalty", IsZero, "presence_penalty is not supported (other than 0)"),
        ("frequency_penalty", IsZero, "frequency_penalty is not supported (other than 0)"),
        ("logit_bias", v => v.ValueKind == JsonValueKind.Object && !v.EnumerateObject().Any(), "logit_bias is not supported"),
    ];

    /// <summary>The fields read here.</summary>
    public static readonly string[] Fields = ["temperature", "top_p", "seed", "ignore_eos", "stop", "stream", "stream_options"];

    public static Sampling Parse(JsonElement body)
    {
        var temperature = RequestFields.FiniteNumber(body, "temperature", 1.0);
        if (temperature < 0) throw ServeException.BadRequest($"temperature={temperature}: expected >= 0", "temperature");
        var topP = RequestFields.FiniteNumber(body, "top_p", 1.0);
        if (topP is <= 0 or > 1) throw ServeException.BadRequest($"top_p={topP}: expected a number in (0, 1]", "top_p");
        return new Sampling(temperature, topP, RequestFields.WholeNumber(body, "seed", 0), RequestFields.Boolean(body, "ignore_eos", false),
            StopsOf(body), RequestFields.Boolean(body, "stream", false), IncludeUsageOf(body));
    }

    /// <summary>
    /// Refuses a field the endpoint does not implement unless it has its "off" value, and any field
    /// neither known nor listed: no parameter is silently ignored.
    /// </summary>
    public static void CheckFields(JsonElement body, IReadOnlySet<string> known, IEnumerable<(string Name, Func<JsonElement, bool> Off, string Message)> unsupported)
    {
        RequestFields.CheckNames(body, known);
        foreach (var (name, off, message) in unsupported)
            if (!RequestFields.Missing(body, name, out var value) && !off(value)) throw ServeException.BadRequest(message, name);
    }

    /// <summary>A number equal to 1: the "off" value of <c>n</c> and <c>best_of</c>.</summary>
    public static bool IsOne(JsonElement value) => value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var n) && n == 1;

    private static bool IsZero(JsonElement value) => value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var n) && n == 0;

    /// <summary><c>stop</c>: null, a string or a list of strings, each not empty.</summary>
    private static IReadOnlyList<string> StopsOf(JsonElement body)
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
    private static bool IncludeUsageOf(JsonElement body)
    {
        if (RequestFields.Missing(body, "stream_options", out var options)) return false;
        if (!RequestFields.Boolean(body, "stream", false)) throw ServeException.BadRequest("stream_options is only allowed with stream: true", "stream_options");
        if (options.ValueKind != JsonValueKind.Object) throw ServeException.BadRequest("stream_options must be an object", "stream_options");
        RequestFields.CheckNames(options, new HashSet<string>(["include_usage"]));
        return RequestFields.Boolean(options, "include_usage", false);
    }
}
