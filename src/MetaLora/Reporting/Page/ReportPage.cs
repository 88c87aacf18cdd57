using System.Text;
using MetaLora.Evaluation;
using MetaLora.Reporting.Statistics;
using static MetaLora.Reporting.Page.Html;
using MetaLora.IO;

namespace MetaLora.Reporting.Page;

/// <summary>
/// results/report.html: the study as one self-contained page. The headline table with the paired
/// statistics, the best CPU pipeline against the others, the figures (means with intervals,
/// coefficient heatmaps, per-task scatters) and a drill-down per task with its scores, the bank
/// tasks its adapters draw on and three test samples. Everything is inline and nothing is fetched;
/// the tables read without scripts, which only sort columns and filter tasks. No clock time goes
/// in, so the same inputs give the same bytes.
/// </summary>
internal static class ReportPage
{
    /// <summary>Characters of an input, reference or generation shown before it is cut.</summary>
    public const int MaxTextChars = 1500;

    /// <summary>Bank tasks listed per coefficient matrix in a task's drill-down.</summary>
    public const int Contributors = 5;

    private const string Base = "base";
    private static readonly int RougeL = SampleScores.Names.ToList().IndexOf("rougeL");

    public static void Write(string path, ReportInputs inputs) => AtomicFile.WriteAllText(path, Render(inputs));

    public static string Render(ReportInputs inputs)
    {
        var s = inputs.Summary;
        var page = new StringBuilder(1 << 20);
        page.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        // The page may load nothing: no host, no file beside it. Images are data URIs, style and script inline.
        page.Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n");
        page.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        page.Append(Invariant($"<title>MetaLora study: {Text(s.Bank)} bank, {s.Tasks} tasks</title>\n<style>{PageAssets.Css}</style>\n</head>\n<body>\n"));
        page.Append(Invariant($"<header><h1>MetaLora study: {Text(s.Bank)} bank, {s.Tasks} tasks</h1>\n"));
        page.Append("<nav><a href=\"#headline\">Scores</a> · <a href=\"#versus\">Best against the others</a> · <a href=\"#figures\">Figures</a> · <a href=\"#tasks\">Tasks</a> · <a href=\"#sources\">Sources</a></nav></header>\n<main>\n");
        Headline(page, inputs);
        Versus(page, s);
        Figures(page, inputs);
        Tasks(page, inputs);
        Sources(page, inputs);
        page.Append("</main>\n<script>").Append(PageAssets.Script).Append("</script>\n</body>\n</html>\n");
        return page.ToString();
    }

    private static void Headline(StringBuilder page, ReportInputs inputs)
    {
        var s = inputs.Summary;
        page.Append("<section id=\"headline\">\n<h2>Scores</h2>\n");
        page.Append("<p>Each task's score is the mean over its test samples; each pipeline's score is the plain mean over tasks ± the standard deviation over tasks. ");
        page.Append(Invariant($"Intervals are 95% paired percentile bootstrap intervals over tasks ({Bootstrap.Resamples:N0} resamples, seed {Bootstrap.Seed}); "));
        page.Append("p is the two-sided Wilcoxon signed-rank test against base on per-task Rouge-L. ");
        page.Append("<span class=\"sig\">✱</span> marks a difference whose interval excludes 0. Click a column's header to sort by it.</p>\n");
        page.Append("<p class=\"claim\">").Append(BestStatement(s)).Append("</p>\n");

        page.Append("<div class=\"wide\"><table id=\"headline\" class=\"sortable numbers\">\n<thead><tr><th scope=\"col\">pipeline</th><th scope=\"col\">tasks</th>");
        foreach (var name in SampleScores.Names) page.Append(Invariant($"<th scope=\"col\">{name}<br><small>mean ± std</small></th>"));
        page.Append("<th scope=\"col\">Rouge-L<br><small>95% interval</small></th><th scope=\"col\">Rouge-L − base<br><small>[95% interval]</small></th>");
        page.Append("<th scope=\"col\">p<br><small>Wilcoxon</small></th><th scope=\"col\">vs base</th><th scope=\"col\">tasks improved</th><th scope=\"col\">gap closed</th></tr></thead>\n<tbody>\n");
        foreach (var line in s.Pipelines)
        {
            var best = line.Pipeline == s.BestCpuPipeline;
            page.Append(Invariant($"<tr data-pipeline=\"{Text(line.Pipeline)}\"{(best ? " class=\"best\"" : "")}><th scope=\"row\" data-value=\"{Text(line.Pipeline)}\">{Text(line.Pipeline)}</th>"));
            page.Append(Invariant($"<td data-value=\"{line.Tasks}\">{line.Tasks}</td>"));
            for (var k = 0; k < line.Mean.Length; k++)
                page.Append(line.Tasks == 0 ? "<td data-value=\"\"></td>"
                    : Invariant($"<td data-value=\"{Value(line.Mean[k])}\">{Fixed(line.Mean[k], 3)} <small>± {Fixed(line.Std[k], 3)}</small></td>"));
            page.Append(line.RougeLMeanCi95 is { } ci
                ? Invariant($"<td data-value=\"{Value(ci.Low)}\">[{Fixed(ci.Low, 3)}, {Fixed(ci.High, 3)}]</td>")
                : "<td data-value=\"\"></td>");
            if (line.VsBase is { } vs)
            {
                page.Append(Invariant($"<td data-value=\"{Value(vs.MeanDifference)}\"{(vs.Significant ? " class=\"significant\"" : "")}>{Difference(vs)}</td>"));
                page.Append(Invariant($"<td data-value=\"{Value(vs.PValue)}\">{P(vs.PValue)}</td>"));
            }
            else page.Append("<td data-value=\"\"></td><td data-value=\"\"></td>");
            page.Append(Percent(line.RougeLChangeVsBase, signed: true)).Append(Percent(line.ImprovedShare * 100, signed: false)).Append(Percent(line.GapClosed, signed: false));
            page.Append("</tr>\n");
        }
        page.Append("</tbody>\n</table></div>\n");
        if (s.Missing.Count > 0)
        {
            page.Append("<p>Missing outputs (not in the means):</p>\n<ul>\n");
            foreach (var (pipeline, tasks) in s.Missing)
                page.Append(Invariant($"<li>{Text(pipeline)}: {tasks.Count} of {s.Tasks} tasks</li>\n"));
            page.Append("</ul>\n");
        }
        page.Append("</section>\n");
    }

    /// <summary>The best CPU pipeline in words that claim no more than its intervals support.</summary>
    private static string BestStatement(Summary s)
    {
        if (s.BestCpuPipeline is not { } best) return "No predicted pipeline has scores yet.";
        var line = s.Pipelines.Single(l => l.Pipeline == best);
        var text = new StringBuilder(Invariant($"Highest mean Rouge-L of the predicted pipelines: <strong>{Text(best)}</strong>, {Fixed(line.Mean[RougeL], 3)}"));
        if (line.RougeLMeanCi95 is { } ci) text.Append(Invariant($" [{Fixed(ci.Low, 3)}, {Fixed(ci.High, 3)}]"));
        text.Append('.');
        if (line.VsBase is { } vs)
            text.Append(Invariant($" Against base: {Difference(vs)}, {PSentence(vs.PValue)}: {(vs.Significant ? "the interval excludes 0" : "the interval includes 0, so this study does not show a gain")}."));
        var candidates = Summary.Candidates(s.Pipelines).Select(l => l.Pipeline).ToHashSet();
        var rivals = s.BestVersus.Where(v => candidates.Contains(v.Reference)).ToArray();
        if (rivals.Length > 0)
        {
            var next = rivals.OrderBy(v => v.MeanDifference).ThenBy(v => v.Reference, StringComparer.Ordinal).First();
            text.Append(Invariant($" Its lead over the runner-up {Text(next.Reference)} is {Difference(next)}"));
            text.Append(Invariant($", {PSentence(next.PValue)}"));
            text.Append(next.Significant ? "." : ": the interval includes 0, so the order of the two is not settled by this study.");
            text.Append(Invariant($" It is ahead of {rivals.Count(v => v.Significant && v.MeanDifference > 0)} of the {rivals.Length} other predicted pipelines with an interval that excludes 0."));
        }
        return text.ToString();
    }

    private static void Versus(StringBuilder page, Summary s)
    {
        page.Append("<section id=\"versus\">\n<h2>Best CPU pipeline against the others</h2>\n");
        if (s.BestCpuPipeline is null || s.BestVersus.Count == 0)
        {
            page.Append("<p>No predicted pipeline to compare.</p>\n</section>\n");
            return;
        }
        page.Append(Invariant($"<p>Paired over the tasks both have: mean Rouge-L of {Text(s.BestCpuPipeline)} minus the other's, its 95% interval and the Wilcoxon p-value.</p>\n"));
        page.Append("<table id=\"versus-table\" class=\"sortable numbers\">\n<thead><tr><th scope=\"col\">against</th><th scope=\"col\">tasks</th><th scope=\"col\">difference [95% interval]</th><th scope=\"col\">p</th></tr></thead>\n<tbody>\n");
        foreach (var v in s.BestVersus)
        {
            page.Append(Invariant($"<tr data-pipeline=\"{Text(v.Reference)}\"><th scope=\"row\" data-value=\"{Text(v.Reference)}\">{Text(v.Reference)}</th><td data-value=\"{v.Tasks}\">{v.Tasks}</td>"));
            page.Append(Invariant($"<td data-value=\"{Value(v.MeanDifference)}\"{(v.Significant ? " class=\"significant\"" : "")}>{Difference(v)}</td><td data-value=\"{Value(v.PValue)}\">{P(v.PValue)}</td></tr>\n"));
        }
        page.Append("</tbody>\n</table>\n</section>\n");
    }

    private static void Figures(StringBuilder page, ReportInputs inputs)
    {
        var s = inputs.Summary;
        page.Append("<section id=\"figures\">\n<h2>Figures</h2>\n");
        var baseLine = s.Pipelines.FirstOrDefault(l => l.Pipeline == Base && l.Tasks > 0);
        var rows = s.Pipelines.Select(l => new SvgCharts.MeanRow(l.Pipeline, l.Tasks > 0 ? l.Mean[RougeL] : double.NaN,
            l.RougeLMeanCi95?.Low ?? double.NaN, l.RougeLMeanCi95?.High ?? double.NaN, l.Pipeline == s.BestCpuPipeline)).ToArray();
        page.Append("<figure id=\"means\">").Append(SvgCharts.MeansWithIntervals(rows, baseLine?.Mean[RougeL], "mean Rouge-L"));
        page.Append(Invariant($"<figcaption>Mean Rouge-L over {s.Tasks} tasks with its 95% bootstrap interval; the dashed line is base, the best CPU pipeline is orange.</figcaption></figure>\n"));

        if (inputs.Coefficients.Count > 0)
        {
            page.Append("<h3>Coefficients</h3>\n<p>Which bank adapters each task's adapter is mixed from: row = task adapted for, column = bank adapter, both in bank order; white is 0, dark blue the largest weight, red a negative one. ");
            page.Append("The effective number of adapters of a task is 1/Σc² (1 for a single adapter, n for n equal weights).</p>\n<div class=\"grid\">\n");
            foreach (var view in inputs.Coefficients)
            {
                var (uri, max) = Heatmap.Render(view.Coefficients);
                var effective = Heatmap.EffectiveAdapters(view.Coefficients).Where(double.IsFinite).Order().ToArray();
                page.Append(Invariant($"<figure class=\"heatmap\" data-view=\"{Text(view.Label)}\"><img src=\"{uri}\" width=\"300\" height=\"300\" alt=\"coefficients {Text(view.Label)}, {view.Coefficients.Names.Count} x {view.Coefficients.Names.Count}\">"));
                page.Append(Invariant($"<div class=\"scale\"><span>0</span><span class=\"bar\"></span><span>{max:0.###}</span></div><figcaption><strong>{Text(view.Label)}</strong> ({Text(string.Join(", ", view.Pipelines))}). "));
                page.Append(effective.Length == 0 ? "No weights."
                    : Invariant($"Effective number of adapters per task: median {Median(effective):0.0} (from {effective[0]:0.0} to {effective[^1]:0.0})."));
                page.Append("</figcaption></figure>\n");
            }
            page.Append("</div>\n");
        }

        var table = inputs.RougeL;
        var b = IndexOf(table.Pipelines, Base);
        if (b >= 0)
        {
            page.Append("<h3>Per task against base</h3>\n<p>Each point is a task: its Rouge-L with base (x) and with the pipeline (y). Points above the diagonal are tasks the pipeline improves.</p>\n<div class=\"grid\">\n");
            for (var p = 0; p < table.Pipelines.Count; p++)
            {
                if (p == b) continue;
                var points = table.Tasks.Select((t, i) => new SvgCharts.Point(t, table.Values[b][i], table.Values[p][i]))
                    .Where(q => !double.IsNaN(q.X) && !double.IsNaN(q.Y)).ToArray();
                if (points.Length == 0) continue;
                page.Append(Invariant($"<figure class=\"scatter\" data-pipeline=\"{Text(table.Pipelines[p])}\">"));
                page.Append(SvgCharts.Scatter(points, "base", table.Pipelines[p]));
                page.Append(Invariant($"<figcaption>{Text(table.Pipelines[p])}: {points.Count(q => q.Y > q.X)} of {points.Length} tasks above base.</figcaption></figure>\n"));
            }
            page.Append("</div>\n");
        }
        page.Append("</section>\n");
    }

    private static void Tasks(StringBuilder page, ReportInputs inputs)
    {
        var table = inputs.RougeL;
        var b = IndexOf(table.Pipelines, Base);
        page.Append("<section id=\"tasks\">\n<h2>Tasks</h2>\n");
        page.Append(Invariant($"<p><label hidden id=\"task-filter-label\">Filter tasks <input id=\"task-filter\" type=\"search\" placeholder=\"task name\" autocomplete=\"off\"></label> <span id=\"task-count\">{table.Tasks.Count} tasks</span></p>\n"));
        for (var t = 0; t < table.Tasks.Count; t++)
        {
            var task = table.Tasks[t];
            page.Append(Invariant($"<details class=\"task\" data-task=\"{Text(task)}\"><summary>{Text(task)}</summary>\n<div class=\"body\">\n"));
            page.Append("<table class=\"scores numbers\"><thead><tr><th scope=\"col\">pipeline</th><th scope=\"col\">Rouge-L</th><th scope=\"col\">− base</th></tr></thead><tbody>");
            for (var p = 0; p < table.Pipelines.Count; p++)
            {
                var v = table.Values[p][t];
                var d = b >= 0 && p != b ? v - table.Values[b][t] : double.NaN;
                page.Append(Invariant($"<tr data-pipeline=\"{Text(table.Pipelines[p])}\"><th scope=\"row\">{Text(table.Pipelines[p])}</th><td>{(double.IsNaN(v) ? "" : Fixed(v, 3))}</td><td>{(double.IsNaN(d) ? "" : Signed(d, 3))}</td></tr>"));
            }
            page.Append("</tbody></table>\n");
            Contributions(page, inputs, task);
            Samples(page, inputs.Examples.GetValueOrDefault(task) ?? []);
            page.Append("</div></details>\n");
        }
        page.Append("</section>\n");
    }

    private static void Contributions(StringBuilder page, ReportInputs inputs, string task)
    {
        if (inputs.Coefficients.Count == 0) return;
        page.Append("<h4>Bank tasks that contribute most</h4>\n<div class=\"grid\">");
        foreach (var view in inputs.Coefficients)
        {
            var names = view.Coefficients.Names;
            var i = IndexOf(names, task);
            inputs.Distances.TryGetValue(view.Metric, out var distances);
            var di = distances is null ? -1 : IndexOf(distances.Names, task);
            page.Append(Invariant($"<table class=\"contrib numbers\"><caption>{Text(view.Label)}</caption><thead><tr><th scope=\"col\">bank task</th><th scope=\"col\">weight</th><th scope=\"col\">{Text(view.Metric)} distance</th></tr></thead><tbody>"));
            if (i < 0) page.Append("<tr><td colspan=\"3\">not in this matrix</td></tr>");
            else
            {
                var top = Enumerable.Range(0, names.Count).Where(j => view.Coefficients.Values[i, j] != 0)
                    .OrderByDescending(j => Math.Abs(view.Coefficients.Values[i, j])).ThenBy(j => j).Take(Contributors);
                foreach (var j in top)
                {
                    var dj = distances is null || di < 0 ? -1 : IndexOf(distances.Names, names[j]);
                    var distance = dj < 0 ? "" : Invariant($"{distances!.Values[di, dj]:G4}");
                    page.Append(Invariant($"<tr><th scope=\"row\">{Text(names[j])}</th><td>{view.Coefficients.Values[i, j]:0.0000}</td><td>{distance}</td></tr>"));
                }
            }
            page.Append("</tbody></table>");
        }
        page.Append("</div>\n");
    }

    private static void Samples(StringBuilder page, IReadOnlyList<TaskExample> samples)
    {
        if (samples.Count == 0)
        {
            page.Append("<p>No generations yet.</p>\n");
            return;
        }
        page.Append(Invariant($"<h4>First {samples.Count} test samples</h4>\n"));
        foreach (var sample in samples)
        {
            page.Append(Invariant($"<div class=\"sample\" data-id=\"{Text(sample.Id)}\"><div><b>input</b><pre class=\"input\">{Clip(sample.Input, MaxTextChars)}</pre></div>"));
            page.Append(Invariant($"<div><b>reference</b><pre class=\"reference\">{Clip(sample.Reference, MaxTextChars)}</pre></div>"));
            foreach (var output in sample.Outputs)
                page.Append(Invariant($"<div><b>{Text(output.Pipeline)}</b><pre class=\"gen\" data-pipeline=\"{Text(output.Pipeline)}\">{(output.Text is { } text ? Clip(text, MaxTextChars) : "<i>not in its output</i>")}</pre></div>"));
            page.Append("</div>\n");
        }
    }

    private static void Sources(StringBuilder page, ReportInputs inputs)
    {
        page.Append("<section id=\"sources\">\n<h2>Sources</h2>\n<p>The files this page was made from and the start of their sha256; the same files give the same page, byte for byte.</p>\n<ul class=\"sources\">\n");
        foreach (var source in inputs.Sources)
            page.Append(Invariant($"<li><code>{Text(source.Name)}</code> <code>{source.Sha256}</code></li>\n"));
        page.Append(Invariant($"</ul>\n<p>Math code paths: {Text(inputs.Summary.CodePaths.Describe())}.</p>\n</section>\n"));
    }

    private static string Difference(PairedComparison v) =>
        Invariant($"{Signed(v.MeanDifference, 3)} [{Signed(v.Ci95.Low, 3)}, {Signed(v.Ci95.High, 3)}]") + (v.Significant ? " <span class=\"sig\" title=\"the 95% interval excludes 0\">✱</span>" : "");

    private static string P(double? p) => p switch
    {
        null => "",
        < 0.001 => "&lt;0.001",
        { } v => Fixed(v, 3),
    };

    private static string PSentence(double? p) => p switch
    {
        null => "no p-value",
        < 0.001 => "p &lt; 0.001",
        { } v => "p = " + Fixed(v, 3),
    };

    private static string Percent(double? value, bool signed) =>
        value is not { } v ? "<td data-value=\"\"></td>" : Invariant($"<td data-value=\"{Value(v)}\">{(signed ? Signed(v, 1) : Fixed(v, 1))}%</td>");

    private static double Median(double[] sorted) =>
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++) if (names[i] == name) return i;
        return -1;
    }
}
