using System.Text.Json;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http;

namespace MetaLora.Serving;

/// <summary>
/// A request's body as one JSON object: at most <c>--max-body-bytes</c> (413 past it, refused before a
/// byte is read when the length is declared), valid UTF-8 and well-formed JSON (400 otherwise).
/// </summary>
internal static class RequestBody
{
    public static async Task<JsonDocument> ReadObjectAsync(HttpRequest request, long maxBytes, CancellationToken ct)
    {
        if (request.ContentLength > maxBytes) throw TooLarge(maxBytes);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > maxBytes) throw TooLarge(maxBytes);
            buffer.Write(chunk, 0, read);
        }
        var bytes = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        // Checked here, as the JSON reader leaves invalid UTF-8 in strings until a string is read.
        if (!Utf8.IsValid(bytes.Span)) throw ServeException.BadRequest("the request body is not valid UTF-8");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            throw ServeException.BadRequest($"malformed JSON in the request body: {e.Message}");
        }
        if (document.RootElement.ValueKind == JsonValueKind.Object) return document;
        document.Dispose();
        throw ServeException.BadRequest("the request body must be a JSON object");
    }

    public static ServeException TooLarge(long maxBytes) =>
        new(413, "RequestTooLargeError", $"the request body is larger than {maxBytes} bytes, this server's limit (--max-body-bytes)");
}
