using System.Globalization;
using System.Text.Json;
using MetaLora.Formats;
using MetaLora.Reporting;
using MetaLora.Reporting.Page;
using MetaLora.IO;
using MetaLora.Inference;
using MetaLora.Layout;
using MetaLora.Prediction.Baselines;
using MetaLora.Prediction.Coefficients;

namespace MetaLora.Stages;

/// <summary>Reads what results/report.html shows from the files the summary and the figures come from.</summary>
internal static class ReportPageInputs
{
    /// <summary>
    /// Reads summary.json, the Rouge-L table, each (metric, model)'s coefficients and each metric's
    /// distances that exist, and the first <see cref="ReportInputs.SamplesPerTask"/> generations of base, finetuned
    /// and the best CPU pipeline per task.
    /// </summary>
    public static ReportInputs Load(DataLayout data, ResultsLayout results, IReadOnlyList<InferPipeline> pipelines)
    {
        var sources = new List<ReportSource>();
        string Track(string path, string root)
        {
            sources.Add(new ReportSource(Path.GetRelativePath(root, path).Replace('\\', '/'), FileStamp.Hash(path)[..16]));
            return path;
        }

        var summary = Summary.Read(Track(results.SummaryJson, results.ResultsDir));
        var rougeL = ScoreColumns.Read(Track(results.TableFile("rougeL"), results.ResultsDir));

        var metrics = pipelines.Where(p => p.Metric is not null).Select(p => p.Metric!.Value.ToString()).Distinct().ToArray();
        var distances = new SortedDictionary<string, NamedMatrix>(StringComparer.Ordinal);
        foreach (var metric in metrics)
            if (File.Exists(data.DistanceFile(metric)))
                distances[metric] = MatrixCsv.Read(Track(data.DistanceFile(metric), data.DataDir));

        var views = new List<CoefficientView>();
        foreach (var group in pipelines.Where(p => p.Model is not null && p.Baseline is null).GroupBy(p => (p.Metric!.Value, p.Model!.Value)))
        {
            var (metric, model) = group.Key;
            var file = data.CoefficientFile(metric.ToString(), model.Name());
            if (!File.Exists(file)) continue;
            views.Add(new CoefficientView($"{metric} {model.Name()}", metric.ToString(), model.Name(), group.Select(p => p.Name).ToArray(),
                MatrixCsv.Read(Track(file, data.DataDir))));
        }
        foreach (var nearest in pipelines.Where(p => p.Baseline == Baseline.Nearest))
            if (distances.TryGetValue(nearest.Metric!.Value.ToString(), out var d))
                views.Add(new CoefficientView(nearest.Name, nearest.Metric!.Value.ToString(), null, [nearest.Name], NearestChoices(d)));

        var shown = new List<string> { InferPipeline.Base, InferPipeline.Finetuned };
        if (summary.BestCpuPipeline is { } best) shown.Add(best);
        shown.RemoveAll(p => !rougeL.Pipelines.Contains(p));
        var examples = new Dictionary<string, IReadOnlyList<TaskExample>>(StringComparer.Ordinal);
        foreach (var task in rougeL.Tasks)
            examples[task] = Samples(results, task, shown);
        return new ReportInputs(summary, rougeL, views, distances, examples, sources);
    }

    /// <summary>The nearest baseline as coefficients: weight 1 on the nearest other task by the metric.</summary>
    private static NamedMatrix NearestChoices(NamedMatrix distances)
    {
        var n = distances.Names.Count;
        var nearest = NearestBaseline.Choose(distances.Values);
        var values = new double[n, n];
        for (var i = 0; i < n; i++)
            if (nearest[i] >= 0) values[i, nearest[i]] = 1;
        return new NamedMatrix(distances.Names, values);
    }

    /// <summary>The first samples of the first pipeline that has them, with what each pipeline wrote for the same ids.</summary>
    private static IReadOnlyList<TaskExample> Samples(ResultsLayout results, string task, IReadOnlyList<string> pipelines)
    {
        var rows = pipelines.Select(p => FirstRows(results.OutputFile(p, task))).ToArray();
        var lead = rows.FirstOrDefault(r => r.Count > 0);
        if (lead is null) return [];
        return lead.Select(sample => new TaskExample(sample.Id, sample.Input, sample.Reference,
            pipelines.Select((p, i) => new PipelineText(p, rows[i].FirstOrDefault(r => r.Id == sample.Id)?.Prediction)).ToArray())).ToArray();
    }

    private sealed record OutputRow(string Id, string Input, string Reference, string Prediction);

    private static IReadOnlyList<OutputRow> FirstRows(string path)
    {
        if (!File.Exists(path)) return [];
        var rows = new List<OutputRow>();
        var line = 0;
        foreach (var text in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            try
            {
                using var doc = JsonDocument.Parse(text);
                var root = doc.RootElement;
                rows.Add(new OutputRow(Field(root, "id") ?? line.ToString(CultureInfo.InvariantCulture),
                    Field(root, "input") ?? "", Field(root, "reference") ?? "", Field(root, "prediction") ?? ""));
            }
            catch (JsonException e)
            {
                throw BadInputException.At(path, "not a JSON object: " + e.Message, line);
            }
            if (rows.Count == ReportInputs.SamplesPerTask) break;
        }
        return rows;
    }

    private static string? Field(JsonElement row, string name) =>
        row.ValueKind == JsonValueKind.Object && row.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
