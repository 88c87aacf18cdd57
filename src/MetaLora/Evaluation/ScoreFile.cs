using System.Text.Json;
using MetaLora.IO;

namespace MetaLora.Evaluation;

/// <summary>Scores every row of a predictions file (<see cref="PredictionRows"/>) and writes the per-row scores.</summary>
internal static class ScoreFile
{
    public static ScoredFile Run(string path, string predictionField = "prediction", string referenceField = "reference")
    {
        var rows = PredictionRows.Read(path, predictionField, referenceField);
        var scores = new SampleScores[rows.Count];
        // Rows are independent; each lands in its own slot, so the result does not depend on scheduling.
        Parallel.For(0, rows.Count, i => scores[i] = SampleScores.Of(rows[i].Prediction, rows[i].References));
        return new ScoredFile(path, rows, scores, SampleScores.Mean(scores));
    }

    /// <summary>
    /// Writes <c>{"file", "rows", "mean": {score: value}, "scores": [{"line", "id"?, score: value, ...}]}</c>
    /// atomically; doubles are written in their shortest round-trip form.
    /// </summary>
    public static void WriteJson(ScoredFile scored, string outPath)
    {
        AtomicFile.Write(outPath, stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            json.WriteStartObject();
            json.WriteString("file", scored.Path);
            json.WriteNumber("rows", scored.Rows.Count);
            json.WriteStartObject("mean");
            WriteScores(json, scored.Mean);
            json.WriteEndObject();
            json.WriteStartArray("scores");
            for (var i = 0; i < scored.Rows.Count; i++)
            {
                json.WriteStartObject();
                json.WriteNumber("line", scored.Rows[i].Line);
                if (scored.Rows[i].Id is { } id) json.WriteString("id", id);
                WriteScores(json, scored.Scores[i]);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        });
    }

    private static void WriteScores(Utf8JsonWriter json, SampleScores scores)
    {
        var values = scores.Values;
        for (var k = 0; k < values.Length; k++)
            json.WriteNumber(SampleScores.Names[k], values[k]);
    }
}
