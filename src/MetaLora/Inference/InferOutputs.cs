using System.Text.Encodings.Web;
using System.Text.Json;
using MetaLora.Formats;
using MetaLora.IO;

namespace MetaLora.Inference;

/// <summary>A task's Infer output: one JSON object per test sample, in the split's order.</summary>
internal static class InferOutputs
{
    private static readonly JsonWriterOptions LineOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes a task's output file atomically: <c>{"id", "input", "reference", "prediction"}</c> per line, reference = <c>output[0]</c>.</summary>
    public static void Write(string path, IReadOnlyList<Sample> samples, IReadOnlyList<string> predictions) =>
        AtomicFile.Write(path, stream =>
        {
            for (var i = 0; i < samples.Count; i++)
            {
                using (var json = new Utf8JsonWriter(stream, LineOptions))
                {
                    json.WriteStartObject();
                    json.WriteString("id", samples[i].Id);
                    json.WriteString("input", samples[i].Input);
                    json.WriteString("reference", samples[i].Output.Count > 0 ? samples[i].Output[0] : "");
                    json.WriteString("prediction", predictions[i]);
                    json.WriteEndObject();
                }
                stream.WriteByte((byte)'\n');
            }
        });
}
