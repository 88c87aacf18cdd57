using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace MetaLora.Serving;

/// <summary>
/// One answer in OpenAI's shapes, whole or as stream chunks: a text completion (<c>text_completion</c>,
/// choices with <c>text</c>) or a chat completion (<c>chat.completion</c>, choices with an assistant
/// <c>message</c>, chunks with a <c>delta</c>). A row's text is its tokens decoded, untrimmed, as vLLM
/// returns it, or, with stop sequences, what precedes the first of them.
/// </summary>
internal sealed class Completion(string id, string model, IReadOnlyList<IReadOnlyList<int>> prompts, IncrementalText[]? texts, int maxTokens, Tokenizer tokenizer, bool chat = false)
{
    private readonly long _created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    private readonly HashSet<int> _started = [];

    public string Id => id;

    /// <summary>"stop" at a stop sequence or EOS, "length" at max_tokens.</summary>
    public string FinishReason(int row, int[] output) =>
        texts is not null && texts[row].Stopped ? "stop" : output.Length >= maxTokens ? "length" : "stop";

    /// <summary>The end of a row's text that was held back while it could begin a stop sequence.</summary>
    public string Rest(int row) => texts?[row].Flush() ?? "";

    public void Write(Utf8JsonWriter w, int[][] outputs)
    {
        Head(w, chat ? "chat.completion" : "text_completion");
        w.WriteStartArray("choices");
        for (var row = 0; row < outputs.Length; row++)
        {
            w.WriteStartObject();
            w.WriteNumber("index", row);
            var text = texts?[row].Text ?? tokenizer.Decode(outputs[row]) ?? "";
            if (chat)
            {
                w.WriteStartObject("message");
                w.WriteString("role", "assistant");
                w.WriteString("content", text);
                w.WriteEndObject();
            }
            else w.WriteString("text", text);
            w.WriteNull("logprobs");
            w.WriteString("finish_reason", FinishReason(row, outputs[row]));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        Usage(w, outputs);
    }

    /// <summary>A piece of one row's text; with <paramref name="finishReason"/>, that row's last chunk.</summary>
    public void WriteChunk(Utf8JsonWriter w, int row, string text, string? finishReason)
    {
        Head(w, chat ? "chat.completion.chunk" : "text_completion");
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", row);
        if (chat)
        {
            w.WriteStartObject("delta");
            // A chat stream names the role in each row's first chunk, as OpenAI's does.
            if (_started.Add(row)) w.WriteString("role", "assistant");
            if (finishReason is null || text.Length > 0) w.WriteString("content", text);
            w.WriteEndObject();
        }
        else w.WriteString("text", text);
        w.WriteNull("logprobs");
        if (finishReason is null) w.WriteNull("finish_reason");
        else w.WriteString("finish_reason", finishReason);
        w.WriteEndObject();
        w.WriteEndArray();
    }

    /// <summary>The last chunk of a stream with <c>include_usage</c>: no choices, the token counts.</summary>
    public void WriteUsageChunk(Utf8JsonWriter w, int[][] outputs)
    {
        Head(w, chat ? "chat.completion.chunk" : "text_completion");
        w.WriteStartArray("choices");
        w.WriteEndArray();
        Usage(w, outputs);
    }

    private void Head(Utf8JsonWriter w, string kind)
    {
        w.WriteString("id", id);
        w.WriteString("object", kind);
        w.WriteNumber("created", _created);
        w.WriteString("model", model);
    }

    private void Usage(Utf8JsonWriter w, int[][] outputs)
    {
        var promptTokens = prompts.Sum(p => p.Count);
        var completionTokens = outputs.Sum(o => o.Length);
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", promptTokens);
        w.WriteNumber("completion_tokens", completionTokens);
        w.WriteNumber("total_tokens", promptTokens + completionTokens);
        w.WriteEndObject();
    }
}
