using System.Text.Json;
using MetaLora.Evaluation;
using MetaLora.Formats;
using MetaLora.Reporting.Statistics;

namespace MetaLora.Reporting;

/// <summary>
/// <c>summary.json</c>, written and read back: reading what <see cref="Write"/> wrote gives an equal
/// <see cref="Summary"/>, and writing that again gives the same bytes.
/// </summary>
internal static class SummaryJson
{
    private const string Aggregate = "plain mean over tasks of each task's mean over its test samples; std is the sample standard deviation over tasks";
    private const string Test = "Wilcoxon signed-rank, two-sided";

    public static void Write(Summary summary, Stream stream)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("bank", summary.Bank);
        json.WriteNumber("tasks", summary.Tasks);
        json.WriteString("aggregate", Aggregate);
        json.WriteStartObject("math");
        json.WriteString("mkl_cbwr", summary.CodePaths.MklCbwr);
        json.WriteString("aten_cpu_capability", summary.CodePaths.AtenCpuCapability);
        json.WriteEndObject();
        json.WriteStartObject("statistics");
        json.WriteStartObject("bootstrap");
        json.WriteNumber("resamples", Bootstrap.Resamples);
        json.WriteNumber("confidence", Bootstrap.Confidence);
        json.WriteNumber("seed", Bootstrap.Seed);
        json.WriteString("method", Bootstrap.Method);
        json.WriteEndObject();
        json.WriteString("test", Test);
        json.WriteEndObject();
        json.WriteStartArray("pipelines");
        foreach (var line in summary.Pipelines)
        {
            json.WriteStartObject();
            json.WriteString("name", line.Pipeline);
            json.WriteNumber("tasks", line.Tasks);
            foreach (var (label, values) in new[] { ("mean", line.Mean), ("std", line.Std) })
            {
                json.WriteStartObject(label);
                for (var k = 0; k < values.Length; k++)
                    if (line.Tasks > 0) json.WriteNumber(SampleScores.Names[k], values[k]);
                    else json.WriteNull(SampleScores.Names[k]);
                json.WriteEndObject();
            }
            Optional(json, "rougeL_change_vs_base_percent", line.RougeLChangeVsBase);
            Optional(json, "improved_over_base_share", line.ImprovedShare);
            Optional(json, "gap_closed_percent", line.GapClosed);
            json.WritePropertyName("rougeL_mean_ci95");
            WriteInterval(json, line.RougeLMeanCi95);
            json.WritePropertyName("vs_base");
            if (line.VsBase is { } vs) WriteComparison(json, vs, name: null);
            else json.WriteNullValue();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        if (summary.BestCpuPipeline is null) json.WriteNull("best_cpu_pipeline");
        else json.WriteString("best_cpu_pipeline", summary.BestCpuPipeline);
        json.WriteStartArray("best_cpu_pipeline_versus");
        foreach (var versus in summary.BestVersus) WriteComparison(json, versus, versus.Reference);
        json.WriteEndArray();
        json.WriteStartObject("missing");
        foreach (var (pipeline, tasks) in summary.Missing)
        {
            json.WriteStartArray(pipeline);
            foreach (var task in tasks) json.WriteStringValue(task);
            json.WriteEndArray();
        }
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void Optional(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v) json.WriteNumber(name, v);
        else json.WriteNull(name);
    }

    private static void WriteInterval(Utf8JsonWriter json, Interval? interval)
    {
        if (interval is not { } i) { json.WriteNullValue(); return; }
        json.WriteStartArray();
        json.WriteNumberValue(i.Low);
        json.WriteNumberValue(i.High);
        json.WriteEndArray();
    }

    /// <summary>A comparison's fields; <paramref name="name"/> (the other pipeline) first when given.</summary>
    private static void WriteComparison(Utf8JsonWriter json, PairedComparison c, string? name)
    {
        json.WriteStartObject();
        if (name is not null) json.WriteString("pipeline", name);
        json.WriteNumber("tasks", c.Tasks);
        json.WriteNumber("mean_difference", c.MeanDifference);
        json.WritePropertyName("ci95");
        WriteInterval(json, c.Ci95);
        Optional(json, "p_value", c.PValue);
        json.WriteBoolean("significant", c.Significant);
        json.WriteEndObject();
    }

    public static Summary Read(string path)
    {
        if (!File.Exists(path)) throw BadInputException.At(path, "file does not exist; run the Evaluate target first");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllBytes(path)); }
        catch (JsonException e) { throw BadInputException.At(path, $"invalid JSON ({JsonText.Describe(e)})"); }
        using (doc) return new Reader(path).Summary(doc.RootElement);
    }

    /// <summary>Typed reads that name the file and the field (<c>pipelines[2].vs_base.ci95</c>) when a value is missing or of the wrong kind.</summary>
    private sealed class Reader(string path)
    {
        public Summary Summary(JsonElement root)
        {
            Expect(root, JsonValueKind.Object, "the top level", "an object");
            var bank = String(Field(root, "bank", ""), "bank");
            var tasks = Count(Field(root, "tasks", ""), "tasks");
            var math = Field(root, "math", "");
            Expect(math, JsonValueKind.Object, "math", "an object");
            var codePaths = new MathCodePaths(String(Field(math, "mkl_cbwr", "math."), "math.mkl_cbwr"),
                String(Field(math, "aten_cpu_capability", "math."), "math.aten_cpu_capability"));
            Statistics(Field(root, "statistics", ""));

            var pipelinesElement = Field(root, "pipelines", "");
            Expect(pipelinesElement, JsonValueKind.Array, "pipelines", "a list");
            var pipelines = pipelinesElement.EnumerateArray().Select((e, i) => Pipeline(e, $"pipelines[{i}]")).ToArray();

            var bestElement = Field(root, "best_cpu_pipeline", "");
            var best = bestElement.ValueKind == JsonValueKind.Null ? null : String(bestElement, "best_cpu_pipeline");
            var versusElement = Field(root, "best_cpu_pipeline_versus", "");
            Expect(versusElement, JsonValueKind.Array, "best_cpu_pipeline_versus", "a list");
            var versus = versusElement.EnumerateArray().Select((e, i) =>
            {
                var where = $"best_cpu_pipeline_versus[{i}]";
                var other = String(Field(e, "pipeline", where + "."), where + ".pipeline");
                return Comparison(e, where, best ?? throw Bad("best_cpu_pipeline_versus", "has entries but best_cpu_pipeline is null"), other);
            }).ToArray();

            var missingElement = Field(root, "missing", "");
            Expect(missingElement, JsonValueKind.Object, "missing", "an object");
            var missing = missingElement.EnumerateObject().Select(m =>
            {
                Expect(m.Value, JsonValueKind.Array, $"missing.{m.Name}", "a list of task names");
                IReadOnlyList<string> names = m.Value.EnumerateArray().Select((t, i) => String(t, $"missing.{m.Name}[{i}]")).ToArray();
                return (m.Name, names);
            }).ToArray();
            return new Summary(bank, tasks, pipelines, best, missing, versus, codePaths);
        }

        /// <summary>The bootstrap settings must be this build's: a summary holds its intervals, not how to redo them.</summary>
        private void Statistics(JsonElement statistics)
        {
            Expect(statistics, JsonValueKind.Object, "statistics", "an object");
            var bootstrap = Field(statistics, "bootstrap", "statistics.");
            Expect(bootstrap, JsonValueKind.Object, "statistics.bootstrap", "an object");
            var resamples = Count(Field(bootstrap, "resamples", "statistics.bootstrap."), "statistics.bootstrap.resamples");
            var confidence = Number(Field(bootstrap, "confidence", "statistics.bootstrap."), "statistics.bootstrap.confidence");
            var seedElement = Field(bootstrap, "seed", "statistics.bootstrap.");
            if (seedElement.ValueKind != JsonValueKind.Number || !seedElement.TryGetUInt64(out var seed))
                throw Bad("statistics.bootstrap.seed", $"is {JsonText.Found(seedElement)}, expected a non-negative integer");
            if (resamples != Bootstrap.Resamples || confidence != Bootstrap.Confidence || seed != Bootstrap.Seed)
                throw Bad("statistics.bootstrap", $"has {resamples} resamples, confidence {confidence} and seed {seed}; this version of the tool makes " +
                                                  $"{Bootstrap.Resamples}, {Bootstrap.Confidence} and {Bootstrap.Seed}: rerun the Evaluate target");
        }

        private PipelineSummary Pipeline(JsonElement e, string where)
        {
            Expect(e, JsonValueKind.Object, where, "an object");
            var name = String(Field(e, "name", where + "."), where + ".name");
            var tasks = Count(Field(e, "tasks", where + "."), where + ".tasks");
            var mean = Scores(Field(e, "mean", where + "."), where + ".mean");
            var std = Scores(Field(e, "std", where + "."), where + ".std");
            var change = OptionalNumber(Field(e, "rougeL_change_vs_base_percent", where + "."), where + ".rougeL_change_vs_base_percent");
            var improved = OptionalNumber(Field(e, "improved_over_base_share", where + "."), where + ".improved_over_base_share");
            var gap = OptionalNumber(Field(e, "gap_closed_percent", where + "."), where + ".gap_closed_percent");
            var ciElement = Field(e, "rougeL_mean_ci95", where + ".");
            Interval? ci = ciElement.ValueKind == JsonValueKind.Null ? null : Interval(ciElement, where + ".rougeL_mean_ci95");
            var vsElement = Field(e, "vs_base", where + ".");
            var vsBase = vsElement.ValueKind == JsonValueKind.Null ? null : Comparison(vsElement, where + ".vs_base", name, Reporting.Summary.Base);
            return new PipelineSummary(name, tasks, mean, std, change, improved, gap, ci, vsBase);
        }

        private PairedComparison Comparison(JsonElement e, string where, string pipeline, string reference)
        {
            Expect(e, JsonValueKind.Object, where, "an object");
            var comparison = new PairedComparison(pipeline, reference,
                Count(Field(e, "tasks", where + "."), where + ".tasks"),
                Number(Field(e, "mean_difference", where + "."), where + ".mean_difference"),
                Interval(Field(e, "ci95", where + "."), where + ".ci95"),
                OptionalNumber(Field(e, "p_value", where + "."), where + ".p_value"));
            var significant = Field(e, "significant", where + ".");
            if (significant.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                throw Bad(where + ".significant", $"is {JsonText.Found(significant)}, expected true or false");
            if (significant.GetBoolean() != comparison.Significant)
                throw Bad(where + ".significant", $"is {significant.GetBoolean().ToString().ToLowerInvariant()}, but ci95 {(comparison.Significant ? "excludes" : "includes")} 0");
            return comparison;
        }

        private double[] Scores(JsonElement e, string where)
        {
            Expect(e, JsonValueKind.Object, where, "an object with one value per score");
            // A pipeline without tasks has null means (NaN in the summary).
            return SampleScores.Names.Select(name => OptionalNumber(Field(e, name, where + "."), $"{where}.{name}") ?? double.NaN).ToArray();
        }

        private Interval Interval(JsonElement e, string where)
        {
            if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() != 2
                || e[0].ValueKind != JsonValueKind.Number || e[1].ValueKind != JsonValueKind.Number)
                throw Bad(where, $"is {JsonText.Found(e)}, expected a list of two numbers [low, high]");
            return new Interval(e[0].GetDouble(), e[1].GetDouble());
        }

        private JsonElement Field(JsonElement obj, string name, string prefix) =>
            obj.TryGetProperty(name, out var value) ? value : throw Bad(prefix + name, "is missing");

        private void Expect(JsonElement e, JsonValueKind kind, string where, string expected)
        {
            if (e.ValueKind != kind) throw Bad(where, $"is {JsonText.Found(e)}, expected {expected}");
        }

        private string String(JsonElement e, string where)
        {
            Expect(e, JsonValueKind.String, where, "a string");
            return e.GetString()!;
        }

        private int Count(JsonElement e, string where) =>
            e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var n) && n >= 0 ? n : throw Bad(where, $"is {JsonText.Found(e)}, expected a non-negative integer");

        private double Number(JsonElement e, string where)
        {
            Expect(e, JsonValueKind.Number, where, "a number");
            return e.GetDouble();
        }

        private double? OptionalNumber(JsonElement e, string where) => e.ValueKind == JsonValueKind.Null ? null : Number(e, where);

        private BadInputException Bad(string where, string problem) => BadInputException.At(path, $"\"{where}\" {problem}");
    }
}
