using System.Text;
using MetaLora.Evaluation;
using MetaLora.Reporting.Statistics;
using static MetaLora.Reporting.Summary;

namespace MetaLora.Reporting;

/// <summary>The text of <c>summary.md</c>.</summary>
internal static class SummaryMarkdown
{
    private const string Marked = "`*`: the 95% interval excludes 0";

    public static string Of(Summary summary)
    {
        var md = new StringBuilder();
        md.Append(Invariant($"# Results: {summary.Bank} bank, {summary.Tasks} tasks\n\n"));
        md.Append("Each task's score is the mean over its test samples; the table gives the plain mean over tasks " +
                  "(not HF evaluate's bootstrap) ± the standard deviation over tasks. Rouge-L vs base, tasks improved and " +
                  "gap closed (the part of the base-to-finetuned Rouge-L gap the pipeline closes) compare tasks both pipelines have.\n\n");
        md.Append("Rouge-L − base is the mean over those tasks of the pipeline's Rouge-L minus base's, with its 95% interval from a paired percentile bootstrap over tasks ");
        md.Append(Invariant($"({Bootstrap.Resamples:N0} resamples of the tasks, seed {Bootstrap.Seed}); "));
        md.Append("p is the two-sided Wilcoxon signed-rank test on the same pairs. A difference counts as significant when its " +
                  "interval excludes 0. With few tasks (under about ten) the percentile interval is too narrow: read p beside it.\n\n");
        md.Append(Invariant($"Math code paths: {summary.CodePaths.Describe()} (the modes the numbers were computed with; a study made with other modes may differ).\n\n"));
        MainTable(md, summary);
        if (summary.Pipelines.Any(l => l.VsBase?.Significant == true)) md.Append('\n').Append(Marked).Append(".\n");
        if (summary.BestCpuPipeline is { } bestName)
        {
            Best(md, summary, summary.Pipelines.Single(l => l.Pipeline == bestName));
            Versus(md, summary, bestName);
        }
        if (summary.Missing.Count > 0)
        {
            md.Append("\nMissing outputs (not in the means):\n\n");
            foreach (var (pipeline, tasks) in summary.Missing)
                md.Append(Invariant($"* {pipeline}: {tasks.Count} of {summary.Tasks} tasks ({Abbreviate(tasks)})\n"));
        }
        return md.ToString();
    }

    private static void MainTable(StringBuilder md, Summary summary)
    {
        md.Append("| pipeline | tasks |");
        foreach (var name in SampleScores.Names) md.Append(' ').Append(name).Append(" |");
        md.Append(" Rouge-L vs base | Rouge-L − base [95% CI] | p (Wilcoxon) | tasks improved | gap closed |\n|---|---:|");
        foreach (var _ in SampleScores.Names) md.Append("---:|");
        md.Append("---:|---:|---:|---:|---:|\n");
        foreach (var line in summary.Pipelines)
        {
            var name = line.Pipeline == summary.BestCpuPipeline ? $"**{line.Pipeline}**" : line.Pipeline;
            md.Append(Invariant($"| {name} | {line.Tasks} |"));
            for (var k = 0; k < line.Mean.Length; k++)
                md.Append(line.Tasks == 0 ? " |" : Invariant($" {line.Mean[k]:F3} ± {line.Std[k]:F3} |"));
            md.Append(Invariant($" {Percent(line.RougeLChangeVsBase, signed: true)} | {Difference(line.VsBase)} | {P(line.VsBase?.PValue)} |"));
            md.Append(Invariant($" {Percent(line.ImprovedShare * 100, signed: false)} | {Percent(line.GapClosed, signed: false)} |\n"));
        }
    }

    /// <summary>The best CPU pipeline, and no more than the intervals support: how it stands against the runner-up and the rest.</summary>
    private static void Best(StringBuilder md, Summary summary, PipelineSummary best)
    {
        md.Append(Invariant($"\nBest CPU pipeline (the highest mean Rouge-L of the predicted pipelines): **{best.Pipeline}**, mean Rouge-L {best.Mean[RougeL]:F3}"));
        var notes = new List<string>();
        if (best.RougeLMeanCi95 is { } ci) notes.Add(Invariant($"95% CI {ci.Low:F3} to {ci.High:F3}"));
        if (best.RougeLChangeVsBase is { } c) notes.Add(Invariant($"{Percent(c, signed: true)} vs base"));
        if (best.GapClosed is { } g) notes.Add(Invariant($"{g:F1}% of the gap to finetuned closed"));
        if (notes.Count > 0) md.Append(" (").Append(string.Join("; ", notes)).Append(')');
        md.Append(".\n");

        var runnerUp = Candidates(summary.Pipelines).Skip(1).FirstOrDefault();
        if (runnerUp is not null && summary.BestVersus.SingleOrDefault(v => v.Reference == runnerUp.Pipeline) is { } lead)
        {
            md.Append(Invariant($"Against the runner-up, {runnerUp.Pipeline} (mean Rouge-L {runnerUp.Mean[RougeL]:F3}), the difference over the {lead.Tasks} tasks both have is "));
            md.Append(Invariant($"{Signed(lead.MeanDifference)} (95% CI {Signed(lead.Ci95.Low)} to {Signed(lead.Ci95.High)}{PClause(lead.PValue)}): "));
            md.Append(Verdict(lead)).Append('\n');
        }
        var others = summary.BestVersus.Count;
        if (others > 0)
        {
            var above = summary.BestVersus.Count(v => v.Significant && v.MeanDifference > 0);
            var below = summary.BestVersus.Count(v => v.Significant && v.MeanDifference < 0);
            md.Append(Invariant($"Of the {others} other pipelines, it is significantly above {above}, significantly below {below} "));
            md.Append(Invariant($"and not significantly different from {others - above - below} (table below).\n"));
        }
    }

    /// <summary>What the difference from the runner-up shows; when the interval and the test disagree (few tasks), that it is not established.</summary>
    private static string Verdict(PairedComparison lead)
    {
        if (!lead.Significant) return "not significant, so these tasks do not tell the two apart.";
        if (lead.PValue is { } p && p >= 0.05)
            return Invariant($"the interval excludes 0 but the Wilcoxon test does not reject equality at 5%, so with {lead.Tasks} tasks the difference is not established.");
        return lead.MeanDifference > 0 ? "significant." : "significant, in the runner-up's favour on these tasks.";
    }

    private static void Versus(StringBuilder md, Summary summary, string best)
    {
        if (summary.BestVersus.Count == 0) return;
        md.Append("\n## Best CPU pipeline against the others\n\n");
        md.Append(Invariant($"Rouge-L of {best} minus the pipeline's, over the tasks both have: the mean difference with its 95% bootstrap interval, and the Wilcoxon p-value.\n\n"));
        md.Append("| pipeline | tasks | Rouge-L: best − pipeline [95% CI] | p (Wilcoxon) |\n|---|---:|---:|---:|\n");
        foreach (var v in summary.BestVersus)
            md.Append(Invariant($"| {v.Reference} | {v.Tasks} | {Difference(v)} | {P(v.PValue)} |\n"));
        if (summary.BestVersus.Any(v => v.Significant)) md.Append('\n').Append(Marked).Append(".\n");
    }

    /// <summary>"+0.132 [+0.081, +0.190]", with a trailing * when the interval excludes 0.</summary>
    private static string Difference(PairedComparison? c) =>
        c is null ? "" : Invariant($"{Signed(c.MeanDifference)} [{Signed(c.Ci95.Low)}, {Signed(c.Ci95.High)}]{(c.Significant ? "*" : "")}");

    private static string Signed(double value) => Invariant($"{value:+0.000;-0.000;0.000}");

    private static string P(double? p) => p switch
    {
        null => "",
        < 0.001 => "<0.001",
        { } v => Invariant($"{v:F3}"),
    };

    private static string PClause(double? p) => p switch
    {
        null => "",
        < 0.001 => ", p < 0.001",
        { } v => Invariant($", p = {v:F3}"),
    };

    private static string Percent(double? value, bool signed) =>
        value is not { } v ? "" : signed ? Invariant($"{v:+0.0;-0.0;0.0}%") : Invariant($"{v:F1}%");
}
