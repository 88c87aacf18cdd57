using System.Text.Json;

namespace MetaLora.Formats;

/// <summary>Short one-line descriptions of JSON values and parse errors for error messages, and the JSONL line parse that uses them.</summary>
internal static class JsonText
{
    /// <summary>What a value is, e.g. "a string", "a list", or the number itself.</summary>
    public static string Found(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => e.GetRawText(),
        JsonValueKind.Null => "null",
        _ => e.ValueKind.ToString(),
    };

    /// <summary>The parser's reason without its own (zero-based, whole-document) position suffix.</summary>
    public static string Describe(JsonException e)
    {
        var message = e.Message;
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut >= 0) message = message[..cut];
        message = message.Replace('\r', ' ').Replace('\n', ' ').TrimEnd('.', ' ');
        return e.BytePositionInLine is { } column ? $"{message} at column {column + 1}" : message;
    }

    /// <summary>
    /// One JSONL line that must hold a JSON object; invalid JSON or any other value stops with one line
    /// naming the file and line. The caller disposes the document.
    /// </summary>
    internal static JsonDocument ParseObjectLine(string path, int lineNumber, ReadOnlyMemory<byte> line)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(line); }
        catch (JsonException e) { throw BadInputException.At(path, $"invalid JSON ({Describe(e)})", lineNumber); }
        if (doc.RootElement.ValueKind == JsonValueKind.Object)
            return doc;
        var found = Found(doc.RootElement);
        doc.Dispose();
        throw BadInputException.At(path, $"expected a JSON object, found {found}", lineNumber);
    }
}
