using System.Text.Json;
using System.Text.Unicode;
using MetaLora.Formats;
using MetaLora.IO;

namespace MetaLora.Evaluation;

/// <summary>
/// Reads JSON Lines of objects holding a prediction (a string) and a reference (a string or a
/// non-empty list of strings), such as Infer's <c>{"id", "input", "reference", "prediction"}</c>.
/// Other fields are ignored; blank lines are skipped. Errors name the file and line.
/// </summary>
internal static class PredictionRows
{
    public static IReadOnlyList<PredictionRow> Read(string path, string predictionField = "prediction", string referenceField = "reference")
    {
        var rows = new List<PredictionRow>();
        using (var stream = InputFile.Open(path))
        {
            foreach (var (lineNumber, line) in Utf8Lines.Read(stream))
            {
                if (line.Span.IndexOfAnyExcept(" \t\r"u8) < 0) continue;
                // The JSON parser lets invalid UTF-8 through inside strings; such text would be mangled silently.
                if (!Utf8.IsValid(line.Span)) throw BadInputException.At(path, "invalid UTF-8", lineNumber);
                rows.Add(Parse(path, lineNumber, line, predictionField, referenceField));
            }
        }
        if (rows.Count == 0) throw BadInputException.At(path, "no rows to score");
        return rows;
    }

    private static PredictionRow Parse(string path, int lineNumber, ReadOnlyMemory<byte> line, string predictionField, string referenceField)
    {
        using (var doc = JsonText.ParseObjectLine(path, lineNumber, line))
        {
            var root = doc.RootElement;

            string? id = null;
            if (root.TryGetProperty("id", out var idValue))
                id = idValue.ValueKind switch
                {
                    JsonValueKind.String => Text(path, lineNumber, "\"id\"", idValue),
                    JsonValueKind.Number => idValue.GetRawText(),
                    _ => null, // only carried into the per-row output, so anything else is simply left out
                };

            if (!root.TryGetProperty(predictionField, out var prediction))
                throw BadInputException.At(path, $"missing \"{predictionField}\" (a string)", lineNumber);
            if (prediction.ValueKind != JsonValueKind.String)
                throw BadInputException.At(path, $"\"{predictionField}\" must be a string, found {JsonText.Found(prediction)}", lineNumber);

            if (!root.TryGetProperty(referenceField, out var reference))
                throw BadInputException.At(path, $"missing \"{referenceField}\" (a string or a list of strings)", lineNumber);
            return new PredictionRow(lineNumber, id, Text(path, lineNumber, $"\"{predictionField}\"", prediction),
                References(path, lineNumber, referenceField, reference));
        }
    }

    private static string[] References(string path, int lineNumber, string field, JsonElement reference)
    {
        switch (reference.ValueKind)
        {
            case JsonValueKind.String:
                return [Text(path, lineNumber, $"\"{field}\"", reference)];
            case JsonValueKind.Array:
                if (reference.GetArrayLength() == 0) throw BadInputException.At(path, $"\"{field}\" is an empty list", lineNumber);
                var items = new string[reference.GetArrayLength()];
                var i = 0;
                foreach (var item in reference.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String)
                        throw BadInputException.At(path, $"\"{field}\"[{i}] must be a string, found {JsonText.Found(item)}", lineNumber);
                    items[i] = Text(path, lineNumber, $"\"{field}\"[{i}]", item);
                    i++;
                }
                return items;
            default:
                throw BadInputException.At(path, $"\"{field}\" must be a string or a list of strings, found {JsonText.Found(reference)}", lineNumber);
        }
    }

    /// <summary>The string value; a lone UTF-16 surrogate escape ("\ud800") cannot be read as text.</summary>
    private static string Text(string path, int lineNumber, string what, JsonElement value)
    {
        try { return value.GetString()!; }
        catch (InvalidOperationException) { throw BadInputException.At(path, $"{what} holds an invalid \\u escape (a lone surrogate)", lineNumber); }
    }
}
