using System.Globalization;
using MetaLora.Evaluation;
using MetaLora.Reporting.Statistics;
using MetaLora.IO;
using MetaLora.Layout;

namespace MetaLora.Reporting;

/// <summary>
/// <c>summary.md</c> and <c>summary.json</c>: per pipeline the mean and spread of each score over tasks,
/// Rouge-L against the base model (relative change, paired difference with its bootstrap interval and
/// Wilcoxon p-value), the share of tasks improved, the part of the base-to-finetuned gap closed, and
/// the best CPU pipeline (the predicted pipeline with the highest mean Rouge-L) compared with every other.
/// </summary>
/// <param name="Bank">The bank's name.</param>
/// <param name="Tasks">The bank's number of tasks (those evaluated).</param>
/// <param name="Pipelines">One line per pipeline, in table order.</param>
/// <param name="BestCpuPipeline">The predicted pipeline with the highest mean Rouge-L; null without one.</param>
/// <param name="Missing">Per pipeline with missing outputs, the tasks it has none for.</param>
/// <param name="BestVersus">The best CPU pipeline against every other pipeline it shares a task with (base and the baselines included), in table order.</param>
/// <param name="CodePaths">The math code paths the numbers were computed with.</param>
internal sealed record Summary(string Bank, int Tasks, IReadOnlyList<PipelineSummary> Pipelines, string? BestCpuPipeline,
    IReadOnlyList<(string Pipeline, IReadOnlyList<string> Tasks)> Missing, IReadOnlyList<PairedComparison> BestVersus, MathCodePaths CodePaths)
{
    internal const string Base = "base";
    internal const string Finetuned = "finetuned";
    internal static readonly int RougeL = SampleScores.Names.ToList().IndexOf("rougeL");

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
            PairedComparison? vsBase = null;
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
                vsBase = Compare(table, p, b);
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
            Interval? ci = have.Length > 0 ? Bootstrap.Mean(have.Select(v => v[RougeL]).ToArray()) : null;
            lines.Add(new PipelineSummary(name, have.Length, mean, std, change, improved, gap, ci, vsBase));
        }
        var best = Candidates(lines).FirstOrDefault();
        var versus = best is null
            ? []
            : Enumerable.Range(0, table.Pipelines.Count).Where(p => table.Pipelines[p] != best.Pipeline)
                .Select(p => Compare(table, table.PipelineIndex(best.Pipeline), p)).OfType<PairedComparison>().ToArray();
        var missing = Enumerable.Range(0, table.Pipelines.Count)
            .Select(p => (table.Pipelines[p], (IReadOnlyList<string>)table.MissingTasks(p).Select(t => table.Tasks[t]).ToArray()))
            .Where(m => m.Item2.Count > 0).ToArray();
        return new Summary(bank, table.Tasks.Count, lines, best?.Pipeline, missing, versus, MathCodePaths.Current);
    }

    /// <summary>
    /// The predicted pipelines with scores, by mean Rouge-L (highest first, then table order): the first is
    /// the best CPU pipeline. Baselines (uniform, uniform+&lt;combiner&gt;, nearest_&lt;METRIC&gt;) are what the
    /// method is compared with, not candidates.
    /// </summary>
    internal static IEnumerable<PipelineSummary> Candidates(IReadOnlyList<PipelineSummary> lines) =>
        lines.Where(l => l.Pipeline is not Base and not Finetuned && !l.Pipeline.StartsWith("uniform", StringComparison.Ordinal)
                         && !l.Pipeline.StartsWith("nearest_", StringComparison.Ordinal) && l.Tasks > 0)
            .Select((l, i) => (Line: l, Index: i)).OrderByDescending(l => l.Line.Mean[RougeL]).ThenBy(l => l.Index).Select(l => l.Line);

    /// <summary>Reads <c>summary.json</c> back (as <see cref="Write"/> wrote it); bad input names the file and the problem.</summary>
    public static Summary Read(string path) => SummaryJson.Read(path);

    public void Write(ResultsLayout results)
    {
        AtomicFile.WriteAllText(results.SummaryMarkdown, Markdown());
        AtomicFile.Write(results.SummaryJson, stream => SummaryJson.Write(this, stream));
    }

    public string Markdown() => SummaryMarkdown.Of(this);

    /// <summary>One line per pipeline with missing tasks, for the console.</summary>
    public IEnumerable<string> MissingLines() =>
        Missing.Select(m => Invariant($"{m.Pipeline}: no outputs for {m.Tasks.Count} of {Tasks} tasks ({Abbreviate(m.Tasks)})"));

    // By value, lists included, so that a summary read back from summary.json equals the one written.
    public bool Equals(Summary? other) =>
        other is not null && Bank == other.Bank && Tasks == other.Tasks && Pipelines.SequenceEqual(other.Pipelines)
        && BestCpuPipeline == other.BestCpuPipeline && BestVersus.SequenceEqual(other.BestVersus) && CodePaths == other.CodePaths
        && Missing.Count == other.Missing.Count
        && Missing.Zip(other.Missing).All(m => m.First.Pipeline == m.Second.Pipeline && m.First.Tasks.SequenceEqual(m.Second.Tasks));

    public override int GetHashCode() => HashCode.Combine(Bank, Tasks, Pipelines.Count, BestCpuPipeline, BestVersus.Count, CodePaths, Missing.Count);

    /// <summary>Mean and sample standard deviation (n - 1; 0 for one value; NaN for none).</summary>
    internal static (double Mean, double Std) MeanStd(double[] values)
    {
        if (values.Length == 0) return (double.NaN, double.NaN);
        var mean = values.Average();
        if (values.Length == 1) return (mean, 0);
        var sum = values.Sum(v => (v - mean) * (v - mean));
        return (mean, Math.Sqrt(sum / (values.Length - 1)));
    }

    /// <summary>Rouge-L of pipeline p against pipeline r over the tasks both have (p - r); null without a shared task.</summary>
    private static PairedComparison? Compare(ScoreTable table, int p, int r)
    {
        var tasks = Common(table, p, r);
        var x = tasks.Select(t => RougeOf(table, p, t)).ToArray();
        var y = tasks.Select(t => RougeOf(table, r, t)).ToArray();
        return PairedComparison.Of(table.Pipelines[p], table.Pipelines[r], x, y);
    }

    private static int[] Common(ScoreTable table, params int[] pipelines) =>
        Enumerable.Range(0, table.Tasks.Count).Where(t => pipelines.All(p => table.Scores[p][t] is not null)).ToArray();

    private static double RougeOf(ScoreTable table, int p, int t) => table.Scores[p][t]!.Value.Values[RougeL];

    internal static string Abbreviate(IReadOnlyList<string> tasks) =>
        tasks.Count <= 5 ? string.Join(", ", tasks) : string.Join(", ", tasks.Take(5)) + Invariant($", ... {tasks.Count - 5} more");

    internal static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
