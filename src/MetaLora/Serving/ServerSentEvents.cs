using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace MetaLora.Serving;

/// <summary>
/// A streamed answer as OpenAI sends it: server-sent events, each <c>data: {json}</c> and a blank line,
/// flushed at once, ending with <c>data: [DONE]</c>. The status and headers go out with the first event,
/// so a request refused before its first token still gets a plain JSON error.
/// </summary>
internal sealed class ServerSentEvents(HttpResponse response, JsonWriterOptions options)
{
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    /// <summary>True once the first event went out: from then on an error can only be an event.</summary>
    public bool Started { get; private set; }

    public async Task WriteAsync(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        buffer.Write("data: "u8);
        using (var w = new Utf8JsonWriter(buffer, options))
        {
            w.WriteStartObject();
            write(w);
            w.WriteEndObject();
        }
        buffer.Write("\n\n"u8);
        await SendAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
    }

    public Task DoneAsync() => SendAsync(Done);

    private async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        if (!Started)
        {
            response.StatusCode = 200;
            response.ContentType = "text/event-stream; charset=utf-8";
            response.Headers.CacheControl = "no-cache";
            Started = true;
        }
        await response.Body.WriteAsync(bytes);
        await response.Body.FlushAsync();
    }
}
