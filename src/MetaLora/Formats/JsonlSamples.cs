using System.Text.Json;
using System.Text.Unicode;
using MetaLora.IO;

namespace MetaLora.Formats;

/// <summary>
/// Reads samples from JSON Lines: one object per line,
/// <c>{"id": "...", "input": "...", "output": ["...", ...]}</c>. <c>id</c> is optional and
/// <c>output</c> may also be a single string. Blank lines are skipped.
/// </summary>
public static class JsonlSamples
{
    /// <param name="path">The file to read.</param>
    /// <param name="split">Names the split in default ids ("&lt;split&gt;-&lt;index&gt;").</param>
    /// <param name="firstIndex">Index of the file's first sample within its split.</param>
    public static IReadOnlyList<Sample> Read(string path, string split, int firstIndex = 0)
    {
        var samples = new List<Sample>();
        using var stream = InputFile.Open(path);
        foreach (var (lineNumber, line) in Utf8Lines.Read(stream))
        {
            if (IsBlank(line.Span)) continue;
            // The JSON parser lets invalid UTF-8 through inside strings; such text would be mangled silently.
            if (!Utf8.IsValid(line.Span)) throw BadInputException.At(path, "invalid UTF-8", lineNumber);
            samples.Add(ParseLine(path, lineNumber, line, $"{split}-{firstIndex + samples.Count}"));
        }
        return samples;
    }

    private static bool IsBlank(ReadOnlySpan<byte> line) => line.IndexOfAnyExcept(" \t\r"u8) < 0;

    private static Sample ParseLine(string path, int lineNumber, ReadOnlyMemory<byte> line, string defaultId)
    {
        using (var doc = JsonText.ParseObjectLine(path, lineNumber, line))
        {
            var root = doc.RootElement;

            var id = defaultId;
            if (root.TryGetProperty("id", out var idValue))
            {
                id = idValue.ValueKind switch
                {
                    JsonValueKind.String => idValue.GetString()!,
                    JsonValueKind.Number => idValue.GetRawText(), // datasets often number their rows
                    JsonValueKind.Null => defaultId,
                    _ => throw BadInputException.At(path, $"\"id\" must be a string or number, found {JsonText.Found(idValue)}", lineNumber),
                };
            }

            if (!root.TryGetProperty("input", out var input))
                throw BadInputException.At(path, "missing \"input\" (a string)", lineNumber);
            if (input.ValueKind != JsonValueKind.String)
                throw BadInputException.At(path, $"\"input\" must be a string, found {JsonText.Found(input)}", lineNumber);

            if (!root.TryGetProperty("output", out var output))
                throw BadInputException.At(path, "missing \"output\" (a list of strings)", lineNumber);
            return new Sample(id, input.GetString()!, Outputs(path, lineNumber, output));
        }
    }

    private static string[] Outputs(string path, int lineNumber, JsonElement output)
    {
        switch (output.ValueKind)
        {
            case JsonValueKind.String:
                return [output.GetString()!];
            case JsonValueKind.Array:
                var items = new string[output.GetArrayLength()];
                if (items.Length == 0) throw BadInputException.At(path, "\"output\" is an empty list", lineNumber);
                var i = 0;
                foreach (var item in output.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String)
                        throw BadInputException.At(path, $"\"output\"[{i}] must be a string, found {JsonText.Found(item)}", lineNumber);
                    items[i++] = item.GetString()!;
                }
                return items;
            default:
                throw BadInputException.At(path, $"\"output\" must be a list of strings, found {JsonText.Found(output)}", lineNumber);
        }
    }
}
