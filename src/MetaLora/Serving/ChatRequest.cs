using System.Text.Json;
using MetaLora.Tokenization.Templates;

namespace MetaLora.Serving;

/// <summary>
/// A <c>POST /v1/chat/completions</c> body, read as strictly as <see cref="CompletionRequest"/>: the
/// messages (text only), the sampling fields both endpoints share, and the chat-only fields this server
/// does not implement refused unless at their "off" value. Without <c>max_tokens</c> (or
/// <c>max_completion_tokens</c>) the answer may use the rest of the model's context, as vLLM does.
/// </summary>
internal sealed record ChatRequest
{
    /// <summary>Accepted and ignored: they carry no meaning for generation here (parallel_tool_calls none without tools).</summary>
    private static readonly string[] Ignored = ["user", "store", "metadata", "parallel_tool_calls"];

    private static readonly string[] Implemented =
        ["model", "messages", "max_tokens", "max_completion_tokens", .. Sampling.Fields];

    private static readonly (string Name, Func<JsonElement, bool> Off, string Message)[] Unsupported =
    [
        ("n", Sampling.IsOne, "n is not supported beyond 1: one answer per request"),
        ("logprobs", v => v.ValueKind is JsonValueKind.False, "logprobs is not supported"),
        ("top_logprobs", _ => false, "top_logprobs is not supported"),
        ("tools", v => v.ValueKind == JsonValueKind.Array && v.GetArrayLength() == 0, "tools are not supported"),
        ("tool_choice", v => v.ValueKind == JsonValueKind.String && v.GetString() == "none", "tool_choice is not supported"),
        ("functions", v => v.ValueKind == JsonValueKind.Array && v.GetArrayLength() == 0, "functions are not supported"),
        ("function_call", v => v.ValueKind == JsonValueKind.String && v.GetString() == "none", "function_call is not supported"),
        ("response_format", v => v.ValueKind == JsonValueKind.Object && v.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == "text",
            "response_format is not supported other than {\"type\": \"text\"}"),
        .. Sampling.Unsupported,
    ];

    private static readonly HashSet<string> Known = [.. Implemented, .. Ignored, .. Unsupported.Select(u => u.Name)];

    public required string Model { get; init; }

    public required IReadOnlyList<ChatMessage> Messages { get; init; }

    /// <summary>As given, or null for "the rest of the context".</summary>
    public long? MaxTokens { get; init; }

    public required Sampling Sampling { get; init; }

    public static ChatRequest Parse(JsonElement body)
    {
        Sampling.CheckFields(body, Known, Unsupported);
        if (!RequestFields.Missing(body, "max_tokens", out _) && !RequestFields.Missing(body, "max_completion_tokens", out _))
            throw ServeException.BadRequest("give max_tokens or max_completion_tokens, not both", "max_tokens");
        var maxTokens = RequestFields.Missing(body, "max_completion_tokens", out _)
            ? RequestFields.Missing(body, "max_tokens", out _) ? (long?)null : RequestFields.WholeNumber(body, "max_tokens", 0)
            : RequestFields.WholeNumber(body, "max_completion_tokens", 0);
        return new ChatRequest
        {
            Model = RequestFields.RequiredString(body, "model"),
            Messages = MessagesOf(body),
            MaxTokens = maxTokens,
            Sampling = Sampling.Parse(body),
        };
    }

    private static ChatMessage[] MessagesOf(JsonElement body)
    {
        if (!body.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
            throw ServeException.BadRequest("messages is required: a non-empty list of {role, content}", "messages");
        var known = new HashSet<string>(["role", "content", "name"]);
        return messages.EnumerateArray().Select((m, i) =>
        {
            if (m.ValueKind != JsonValueKind.Object) throw ServeException.BadRequest($"messages[{i}] must be an object with role and content", "messages");
            RequestFields.CheckNames(m, known);
            var role = m.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String && r.GetString()!.Length > 0
                ? r.GetString()!
                : throw ServeException.BadRequest($"messages[{i}].role is required (a non-empty string)", "messages");
            return new ChatMessage(role, ContentOf(m, i));
        }).ToArray();
    }

    /// <summary>A message's text: a string, or a list of text parts (joined with newlines, as vLLM does); other parts are refused.</summary>
    private static string ContentOf(JsonElement message, int index)
    {
        if (!message.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null) return "";
        if (content.ValueKind == JsonValueKind.String) return content.GetString()!;
        if (content.ValueKind != JsonValueKind.Array)
            throw ServeException.BadRequest($"messages[{index}].content must be a string or a list of text parts", "messages");
        return string.Join("\n", content.EnumerateArray().Select(part =>
            part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "text"
            && part.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String
                ? text.GetString()!
                : throw ServeException.BadRequest($"messages[{index}].content: only text parts ({{\"type\": \"text\", \"text\": ...}}) are supported", "messages")));
    }

}
