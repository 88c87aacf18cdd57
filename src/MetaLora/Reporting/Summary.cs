using System.Globalization;
using System.Text;
using System.Text.Json;
using MetaLora.Evaluation;
using MetaLora.Pipeline;

namespace MetaLora.Reporting;

/// <summary>
/// <c>summary.md</c> and <c>summary.json</c>: per pipeline the mean and spread of each score over tasks,
/// Rouge-L against the base model, the share of tasks improved, the part of the base-to-finetuned gap
/// closed, and the best CPU pipeline (the predicted pipeline with the highest mean Rouge-L).
/// </summary>
public sealed record Summary(string Bank, int Tasks, IReadOnlyList<PipelineSummary> Pipelines, string? BestCpuPipeline,
    IReadOnlyList<(string Pipeline, IReadOnlyList<string> Tasks)> Missing)
{
    private const string Base = "base";
    private const string Finetuned = "finetuned";
    private static readonly int RougeL = SampleScores.Names.ToList().IndexOf("rougeL");

    public static Summary Of(string bank, ScoreTable table)
    {
        var b = table.PipelineIndex(Base);
        var f = table.PipelineIndex(Finetuned);
        var lines = new List<PipelineSummary>();
        for (var p = 0; p < table.Pipelines.Count; p++)
        {
            var have = table.Scores[p].OfType<SampleScores>().Select(s => s.Values).ToArray();
            var mean = new double[SampleScores.Names.Count];
            var std = new double[SampleScores.Names.Count];
            for (var k = 0; k < mean.Length; k++)
                (mean[k], std[k]) = MeanStd(have.Select(v => v[k]).ToArray());

            double? change = null, improved = null, gap = null;
            var name = table.Pipelines[p];
            if (b >= 0 && p != b)
            {
                var paired = Common(table, p, b);
                if (paired.Length > 0)
                {
                    var mp = paired.Average(t => RougeOf(table, p, t));
                    var mb = paired.Average(t => RougeOf(table, b, t));
                    change = mb > 0 ? (mp - mb) / mb * 100 : null;
                    improved = paired.Count(t => RougeOf(table, p, t) > RougeOf(table, b, t)) / (double)paired.Length;
                }
                if (f >= 0 && p != f)
                {
                    var three = Common(table, p, b, f);
                    if (three.Length > 0)
                    {
                        var mp = three.Average(t => RougeOf(table, p, t));
                        var mb = three.Average(t => RougeOf(table, b, t));
                        var mf = three.Average(t => RougeOf(table, f, t));
                        gap = mf != mb ? (mp - mb) / (mf - mb) * 100 : null;
                    }
                }
            }
            lines.Add(new PipelineSummary(name, have.Length, mean, std, change, improved, gap));
        }
        // Baselines (uniform, uniform+<combiner>, nearest_<METRIC>) are what the method is compared with, not candidates.
        var best = lines.Where(l => l.Pipeline is not Base and not Finetuned && !l.Pipeline.StartsWith("uniform", StringComparison.Ordinal)
                                    && !l.Pipeline.StartsWith("nearest_", StringComparison.Ordinal) && l.Tasks > 0)
            .OrderByDescending(l => l.Mean[RougeL]).ThenBy(l => table.PipelineIndex(l.Pipeline)).FirstOrDefault();
        var missing = Enumerable.Range(0, table.Pipelines.Count)
            .Select(p => (table.Pipelines[p], (IReadOnlyList<string>)table.MissingTasks(p).Select(t => table.Tasks[t]).ToArray()))
            .Where(m => m.Item2.Count > 0).ToArray();
        return new Summary(bank, table.Tasks.Count, lines, best?.Pipeline, missing);
    }

    public void Write(ResultsLayout results)
    {
        AtomicFile.WriteAllText(results.SummaryMarkdown, Markdown());
        AtomicFile.Write(results.SummaryJson, WriteJson);
    }

    public string Markdown()
    {
        var md = new StringBuilder();
        md.Append(Invariant($"# Results: {Bank} bank, {Tasks} tasks\n\n"));
        md.Append("Each task's score is the mean over its test samples; the table gives the plain mean over tasks " +
                  "(not HF evaluate's bootstrap) ± the standard deviation over tasks. Rouge-L vs base, tasks improved and " +
                  "gap closed (the part of the base-to-finetuned Rouge-L gap the pipeline closes) compare tasks both pipelines have.\n\n");
        md.Append(Invariant($"Math code paths: {MathModes.Current.Describe()} (the modes the numbers were computed with; a study made with other modes may differ).\n\n"));
        md.Append("| pipeline | tasks |");
        foreach (var name in SampleScores.Names) md.Append(' ').Append(name).Append(" |");
        md.Append(" Rouge-L vs base | tasks improved | gap closed |\n|---|---:|");
        foreach (var _ in SampleScores.Names) md.Append("---:|");
        md.Append("---:|---:|---:|\n");
        foreach (var line in Pipelines)
        {
            var name = line.Pipeline == BestCpuPipeline ? $"**{line.Pipeline}**" : line.Pipeline;
            md.Append(Invariant($"| {name} | {line.Tasks} |"));
            for (var k = 0; k < line.Mean.Length; k++)
                md.Append(line.Tasks == 0 ? " |" : Invariant($" {line.Mean[k]:F3} ± {line.Std[k]:F3} |"));
            md.Append(Invariant($" {Percent(line.RougeLChangeVsBase, signed: true)} | {Percent(line.ImprovedShare * 100, signed: false)} | {Percent(line.GapClosed, signed: false)} |\n"));
        }
        if (BestCpuPipeline is not null)
        {
            var best = Pipelines.Single(l => l.Pipeline == BestCpuPipeline);
            md.Append(Invariant($"\nBest CPU pipeline: **{best.Pipeline}**, mean Rouge-L {best.Mean[RougeL]:F3}"));
            if (best.RougeLChangeVsBase is { } c) md.Append(Invariant($" ({Percent(c, signed: true)} vs base"));
            if (best.GapClosed is { } g) md.Append(Invariant($", {g:F1}% of the gap to finetuned closed"));
            if (best.RougeLChangeVsBase is not null) md.Append(')');
            md.Append(".\n");
        }
        if (Missing.Count > 0)
        {
            md.Append("\nMissing outputs (not in the means):\n\n");
            foreach (var (pipeline, tasks) in Missing)
                md.Append(Invariant($"* {pipeline}: {tasks.Count} of {Tasks} tasks ({Abbreviate(tasks)})\n"));
        }
        return md.ToString();
    }

    /// <summary>One line per pipeline with missing tasks, for the console.</summary>
    public IEnumerable<string> MissingLines() =>
        Missing.Select(m => Invariant($"{m.Pipeline}: no outputs for {m.Tasks.Count} of {Tasks} tasks ({Abbreviate(m.Tasks)})"));

    private void WriteJson(Stream stream)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("bank", Bank);
        json.WriteNumber("tasks", Tasks);
        json.WriteString("aggregate", "plain mean over tasks of each task's mean over its test samples; std is the sample standard deviation over tasks");
        json.WriteStartObject("math");
        json.WriteString("mkl_cbwr", MathModes.Current.MklCbwr);
        json.WriteString("aten_cpu_capability", MathModes.Current.AtenCpuCapability);
        json.WriteEndObject();
        json.WriteStartArray("pipelines");
        foreach (var line in Pipelines)
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
            json.WriteEndObject();
        }
        json.WriteEndArray();
        if (BestCpuPipeline is null) json.WriteNull("best_cpu_pipeline");
        else json.WriteString("best_cpu_pipeline", BestCpuPipeline);
        json.WriteStartObject("missing");
        foreach (var (pipeline, tasks) in Missing)
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

    /// <summary>Mean and sample standard deviation (n - 1; 0 for one value; NaN for none).</summary>
    internal static (double Mean, double Std) MeanStd(double[] values)
    {
        if (values.Length == 0) return (double.NaN, double.NaN);
        var mean = values.Average();
        if (values.Length == 1) return (mean, 0);
        var sum = values.Sum(v => (v - mean) * (v - mean));
        return (mean, Math.Sqrt(sum / (values.Length - 1)));
    }

    private static int[] Common(ScoreTable table, params int[] pipelines) =>
        Enumerable.Range(0, table.Tasks.Count).Where(t => pipelines.All(p => table.Scores[p][t] is not null)).ToArray();

    private static double RougeOf(ScoreTable table, int p, int t) => table.Scores[p][t]!.Value.Values[RougeL];

    private static string Percent(double? value, bool signed) =>
        value is not { } v ? "" : signed ? Invariant($"{v:+0.0;-0.0;0.0}%") : Invariant($"{v:F1}%");

    private static string Abbreviate(IReadOnlyList<string> tasks) =>
        tasks.Count <= 5 ? string.Join(", ", tasks) : string.Join(", ", tasks.Take(5)) + Invariant($", ... {tasks.Count - 5} more");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
