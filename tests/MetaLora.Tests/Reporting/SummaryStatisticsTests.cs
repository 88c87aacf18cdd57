using System.Text.Json;
using MetaLora.Evaluation;
using MetaLora.Reporting;
using MetaLora.Reporting.Statistics;
using MetaLora.Layout;
using MetaLora.Repro;

namespace MetaLora.Tests.Reporting;

/// <summary>The summary's intervals and tests, summary.json's new fields and reading it back.</summary>
public sealed class SummaryStatisticsTests : IDisposable
{
    private readonly TempDir _work = new();

    public void Dispose() => _work.Dispose();

    private static SampleScores R(double rougeL) => new(0, 1, rougeL, rougeL);

    /// <summary>Three tasks; base 0.2/0.4/0.0, finetuned 0.8/0.8/0.8, KL 0.5/0.4/0.3, JS missing on task c.</summary>
    private static ScoreTable Small() => new(["a", "b", "c"], ["base", "finetuned", "KL_base_version", "JS_base_version"],
    [
        [R(0.2), R(0.4), R(0.0)],
        [R(0.8), R(0.8), R(0.8)],
        [R(0.5), R(0.4), R(0.3)],
        [R(0.1), R(0.2), null],
    ]);

    /// <summary>
    /// Twelve tasks: KL_normalized_version and JS_normalized_version well above base and close to each
    /// other, a nearest-task baseline in between, no MMD outputs at all.
    /// </summary>
    private static ScoreTable Twelve()
    {
        double[] baseScores = [0.1, 0.0, 0.2, 0.15, 0.05, 0.3, 0.1, 0.0, 0.25, 0.1, 0.2, 0.05];
        double[] kl = [0.4, 0.3, 0.5, 0.35, 0.3, 0.6, 0.45, 0.2, 0.5, 0.4, 0.45, 0.3];
        double[] js = [0.45, 0.25, 0.45, 0.4, 0.25, 0.55, 0.45, 0.25, 0.45, 0.35, 0.5, 0.3];
        double[] nearest = [0.2, 0.1, 0.3, 0.2, 0.1, 0.35, 0.15, 0.1, 0.3, 0.15, 0.25, 0.1];
        var tasks = Enumerable.Range(0, 12).Select(i => $"task{i:D2}").ToArray();
        return new ScoreTable(tasks, ["base", "finetuned", "KL_normalized_version", "JS_normalized_version", "nearest_KL", "MMD_base_version"],
        [
            baseScores.Select(v => (SampleScores?)R(v)).ToArray(),
            baseScores.Select(_ => (SampleScores?)R(0.9)).ToArray(),
            kl.Select(v => (SampleScores?)R(v)).ToArray(),
            js.Select(v => (SampleScores?)R(v)).ToArray(),
            nearest.Select(v => (SampleScores?)R(v)).ToArray(),
            new SampleScores?[12],
        ]);
    }

    [Fact]
    public void ComparisonsAndIntervalsFollowTheirDefinitions()
    {
        var summary = Summary.Of("fixture", Small());
        var (b, kl, js) = (summary.Pipelines[0], summary.Pipelines[2], summary.Pipelines[3]);
        Assert.Null(b.VsBase);
        Assert.Equal(Bootstrap.Mean([0.2, 0.4, 0.0]), b.RougeLMeanCi95);
        Assert.Equal(Bootstrap.Mean([0.1, 0.2]), js.RougeLMeanCi95);

        var vs = kl.VsBase!;
        Assert.Equal(("KL_base_version", "base", 3), (vs.Pipeline, vs.Reference, vs.Tasks));
        Assert.Equal(((0.5 - 0.2) + (0.4 - 0.4) + (0.3 - 0.0)) / 3, vs.MeanDifference);
        Assert.Equal(Bootstrap.Paired([0.5, 0.4, 0.3], [0.2, 0.4, 0.0]), vs.Ci95);
        Assert.Equal(Wilcoxon.Test([0.5, 0.4, 0.3], [0.2, 0.4, 0.0])!.Value.PValue, vs.PValue);
        // JS has no output for task c: paired on a and b only.
        Assert.Equal(2, js.VsBase!.Tasks);
        Assert.Equal(Bootstrap.Paired([0.1, 0.2], [0.2, 0.4]), js.VsBase.Ci95);
        // finetuned - base is 0.6, 0.4, 0.8: every resample mean lies between 0.4 and 0.8.
        var finetuned = summary.Pipelines[1].VsBase!;
        Assert.Equal(Bootstrap.Paired([0.8, 0.8, 0.8], [0.2, 0.4, 0.0]), finetuned.Ci95);
        Assert.InRange(finetuned.Ci95.Low, 0.4 - 1e-12, finetuned.Ci95.High);
        Assert.InRange(finetuned.Ci95.High, finetuned.Ci95.Low, 0.8 + 1e-12);
        Assert.True(finetuned.Significant);

        // The best CPU pipeline (KL) against every other, difference = best - other.
        Assert.Equal(["base", "finetuned", "JS_base_version"], summary.BestVersus.Select(v => v.Reference));
        Assert.All(summary.BestVersus, v => Assert.Equal("KL_base_version", v.Pipeline));
        Assert.Equal(vs, summary.BestVersus[0]);
        Assert.Equal([3, 3, 2], summary.BestVersus.Select(v => v.Tasks));
        Assert.True(summary.BestVersus[1].MeanDifference < 0);
        Assert.Equal(((0.5 - 0.1) + (0.4 - 0.2)) / 2, summary.BestVersus[2].MeanDifference);
    }

    [Fact]
    public void MarkdownMarksSignificantDifferencesAndDoesNotOverstateTheBest()
    {
        var summary = Summary.Of("twelve", Twelve());
        Assert.Equal("KL_normalized_version", summary.BestCpuPipeline);
        var md = summary.Markdown();
        Assert.Contains("| Rouge-L vs base | Rouge-L − base [95% CI] | p (Wilcoxon) | tasks improved | gap closed |", md);
        var kl = summary.Pipelines[2].VsBase!;
        Assert.True(kl.Significant);
        Assert.Contains(FormattableString.Invariant($"| +0.271 [{kl.Ci95.Low:+0.000}, {kl.Ci95.High:+0.000}]* | <0.001 |"), md);
        Assert.Contains("`*`: the 95% interval excludes 0.", md);
        // MMD has no outputs: empty cells, no comparison.
        Assert.Contains("| MMD_base_version | 0 | | | | |  |  |  |  |  |\n", md);

        // JS is within noise of KL: the text says so rather than calling KL better.
        var lead = summary.BestVersus.Single(v => v.Reference == "JS_normalized_version");
        Assert.False(lead.Significant);
        Assert.Contains("Against the runner-up, JS_normalized_version (mean Rouge-L 0.387), the difference over the 12 tasks both have is +0.008", md);
        Assert.Contains("not significant, so these tasks do not tell the two apart.", md);
        Assert.Contains("Of the 4 other pipelines, it is significantly above 2, significantly below 1 and not significantly different from 1 (table below).", md);
        Assert.Contains("## Best CPU pipeline against the others", md);
        Assert.Contains("| pipeline | tasks | Rouge-L: best − pipeline [95% CI] | p (Wilcoxon) |", md);
        Assert.Contains("| finetuned | 12 | -0.504 [", md);
        Assert.Contains("* MMD_base_version: 12 of 12 tasks (task00, task01, task02, task03, task04, ... 7 more)", md);
    }

    [Fact]
    public void ASignificantLeadOverTheRunnerUpIsCalledSo()
    {
        double[] baseScores = [0.1, 0.0, 0.2, 0.15, 0.05, 0.3, 0.1, 0.0, 0.25, 0.1, 0.2, 0.05];
        var tasks = Enumerable.Range(0, 12).Select(i => $"t{i}").ToArray();
        SampleScores?[] Shifted(double by) => baseScores.Select((v, i) => (SampleScores?)R(v + by + 0.01 * (i % 3))).ToArray();
        var table = new ScoreTable(tasks, ["base", "WD_base_version", "WD_mlp_version"], [Shifted(0), Shifted(0.3), Shifted(0.2)]);
        var md = Summary.Of("lead", table).Markdown();
        Assert.Contains("Against the runner-up, WD_mlp_version (mean Rouge-L 0.335), the difference over the 12 tasks both have is +0.100 (95% CI +0.100 to +0.100, p < 0.001): significant.", md);
        Assert.Contains("Of the 2 other pipelines, it is significantly above 2, significantly below 0 and not significantly different from 0 (table below).", md);
    }

    [Fact]
    public void SummaryJsonHasTheStatistics()
    {
        var results = new ResultsLayout(_work["results"]);
        var summary = Summary.Of("twelve", Twelve());
        summary.Write(results);
        using var json = JsonDocument.Parse(File.ReadAllBytes(results.SummaryJson));
        var root = json.RootElement;
        Assert.Equal(["bank", "tasks", "aggregate", "math", "statistics", "pipelines", "best_cpu_pipeline", "best_cpu_pipeline_versus", "missing"],
            root.EnumerateObject().Select(p => p.Name));
        var bootstrap = root.GetProperty("statistics").GetProperty("bootstrap");
        Assert.Equal(10000, bootstrap.GetProperty("resamples").GetInt32());
        Assert.Equal(0.95, bootstrap.GetProperty("confidence").GetDouble());
        Assert.Equal(Bootstrap.Seed, bootstrap.GetProperty("seed").GetUInt64());
        Assert.Equal("paired percentile bootstrap over tasks", bootstrap.GetProperty("method").GetString());
        Assert.Equal("Wilcoxon signed-rank, two-sided", root.GetProperty("statistics").GetProperty("test").GetString());

        var pipelines = root.GetProperty("pipelines");
        Assert.Equal(["name", "tasks", "mean", "std", "rougeL_change_vs_base_percent", "improved_over_base_share", "gap_closed_percent", "rougeL_mean_ci95", "vs_base"],
            pipelines[2].EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.Null, pipelines[0].GetProperty("vs_base").ValueKind);
        Assert.Equal(JsonValueKind.Null, pipelines[5].GetProperty("rougeL_mean_ci95").ValueKind);
        var ci = summary.Pipelines[2].RougeLMeanCi95!.Value;
        Assert.Equal([ci.Low, ci.High], pipelines[2].GetProperty("rougeL_mean_ci95").EnumerateArray().Select(e => e.GetDouble()));
        var vs = pipelines[2].GetProperty("vs_base");
        Assert.Equal(["tasks", "mean_difference", "ci95", "p_value", "significant"], vs.EnumerateObject().Select(p => p.Name));
        Assert.Equal(12, vs.GetProperty("tasks").GetInt32());
        Assert.Equal(summary.Pipelines[2].VsBase!.PValue, vs.GetProperty("p_value").GetDouble());
        Assert.True(vs.GetProperty("significant").GetBoolean());

        var versus = root.GetProperty("best_cpu_pipeline_versus");
        Assert.Equal(["base", "finetuned", "JS_normalized_version", "nearest_KL"], versus.EnumerateArray().Select(v => v.GetProperty("pipeline").GetString()));
        Assert.Equal(["pipeline", "tasks", "mean_difference", "ci95", "p_value", "significant"], versus[0].EnumerateObject().Select(p => p.Name));
        Assert.False(versus[2].GetProperty("significant").GetBoolean());
    }

    [Fact]
    public void SummaryJsonReadsBackToAnEqualSummaryAndTheSameBytes()
    {
        foreach (var (name, table) in new[] { ("small", Small()), ("twelve", Twelve()) })
        {
            var first = new ResultsLayout(_work[$"{name}/first"]);
            var second = new ResultsLayout(_work[$"{name}/second"]);
            var summary = Summary.Of(name, table);
            summary.Write(first);
            var read = Summary.Read(first.SummaryJson);
            Assert.Equal(summary, read);
            read.Write(second);
            Assert.Equal(File.ReadAllBytes(first.SummaryJson), File.ReadAllBytes(second.SummaryJson));
            Assert.Equal(File.ReadAllBytes(first.SummaryMarkdown), File.ReadAllBytes(second.SummaryMarkdown));
        }
        // Equality is by value: another number is another summary.
        var a = Summary.Of("small", Small());
        var b = Summary.Of("small", Small());
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, b with { Pipelines = [.. b.Pipelines.Take(3), b.Pipelines[3] with { Mean = [0, 1, 0.15, 0.16] }] });
    }

    [Fact]
    public void SameInputsGiveTheSameSummaryBytes()
    {
        var first = new ResultsLayout(_work["first"]);
        var second = new ResultsLayout(_work["second"]);
        Summary.Of("twelve", Twelve()).Write(first);
        Summary.Of("twelve", Twelve()).Write(second);
        Assert.Equal(File.ReadAllBytes(first.SummaryJson), File.ReadAllBytes(second.SummaryJson));
        Assert.Equal(File.ReadAllBytes(first.SummaryMarkdown), File.ReadAllBytes(second.SummaryMarkdown));
    }

    [Fact]
    public void ABadSummaryNamesTheFileAndTheProblem()
    {
        var results = new ResultsLayout(_work["results"]);
        var path = results.SummaryJson;
        Assert.Equal($"{path}: file does not exist; run the Evaluate target first",
            Assert.Throws<BadInputException>(() => Summary.Read(path)).Message);

        Summary.Of("small", Small()).Write(results);
        var good = File.ReadAllText(path);
        string Problem(string text)
        {
            File.WriteAllText(path, text);
            return Assert.Throws<BadInputException>(() => Summary.Read(path)).Message;
        }
        Assert.StartsWith($"{path}: invalid JSON (", Problem(good[..^5]));
        Assert.Equal($"{path}: \"the top level\" is a list, expected an object", Problem("[]"));
        Assert.Equal($"{path}: \"tasks\" is a string, expected a non-negative integer", Problem(good.Replace("\"tasks\": 3,", "\"tasks\": \"3\",")));
        Assert.Equal($"{path}: \"bank\" is missing", Problem(good.Replace("\"bank\"", "\"name_of_bank\"")));
        Assert.Equal($"{path}: \"pipelines[0].mean.rougeL\" is a string, expected a number",
            Problem(Edit(good, j => j["pipelines"]![0]!["mean"]!["rougeL"] = "0.2")));
        Assert.Equal($"{path}: \"pipelines[2].vs_base.ci95\" is an object, expected a list of two numbers [low, high]",
            Problem(Edit(good, j => j["pipelines"]![2]!["vs_base"]!["ci95"] = new System.Text.Json.Nodes.JsonObject())));
        Assert.Equal($"{path}: \"pipelines[2].rougeL_mean_ci95\" is a list, expected a list of two numbers [low, high]",
            Problem(Edit(good, j => j["pipelines"]![2]!["rougeL_mean_ci95"] = new System.Text.Json.Nodes.JsonArray(0.1))));
        Assert.Equal($"{path}: \"best_cpu_pipeline_versus[1].significant\" is false, but ci95 excludes 0",
            Problem(Edit(good, j => j["best_cpu_pipeline_versus"]![1]!["significant"] = false)));
        Assert.StartsWith($"{path}: \"statistics.bootstrap\" has 2000 resamples",
            Problem(Edit(good, j => j["statistics"]!["bootstrap"]!["resamples"] = 2000)));
        Assert.Equal($"{path}: \"missing.JS_base_version[0]\" is 7, expected a string",
            Problem(Edit(good, j => j["missing"]!["JS_base_version"]![0] = 7)));
    }

    private static string Edit(string json, Action<System.Text.Json.Nodes.JsonNode> edit)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(json)!;
        edit(node);
        return node.ToJsonString();
    }

    [Fact]
    public void TheSummaryRecordsTheMathCodePathsItWasMadeWith()
    {
        var summary = Summary.Of("small", Small()) with { CodePaths = new MathCodePaths("COMPATIBLE", "avx2") };
        Assert.Contains("Math code paths: MKL COMPATIBLE, ATen avx2 (", summary.Markdown());
        var results = new ResultsLayout(_work["results"]);
        summary.Write(results);
        Assert.Equal(summary.CodePaths, Summary.Read(results.SummaryJson).CodePaths);
        Assert.Equal(MathModes.Current.Describe(), MathCodePaths.Current.Describe());
    }

    /// <summary>The whole summary.md of the small table, pinned: bootstrap draws, quantile rule, test and wording.</summary>
    [Fact]
    public void MarkdownIsPinned()
    {
        const string Pinned =
            "# Results: small bank, 3 tasks\n" +
            "\n" +
            "Each task's score is the mean over its test samples; the table gives the plain mean over tasks (not HF evaluate's bootstrap) ± the standard deviation over tasks. Rouge-L vs base, tasks improved and gap closed (the part of the base-to-finetuned Rouge-L gap the pipeline closes) compare tasks both pipelines have.\n" +
            "\n" +
            "Rouge-L − base is the mean over those tasks of the pipeline's Rouge-L minus base's, with its 95% interval from a paired percentile bootstrap over tasks (10,000 resamples of the tasks, seed 20241207); p is the two-sided Wilcoxon signed-rank test on the same pairs. A difference counts as significant when its interval excludes 0. With few tasks (under about ten) the percentile interval is too narrow: read p beside it.\n" +
            "\n" +
            "Math code paths: MKL COMPATIBLE, ATen avx2 (the modes the numbers were computed with; a study made with other modes may differ).\n" +
            "\n" +
            "| pipeline | tasks | exact_match | subsequence_match | rougeL | rougeLsum | Rouge-L vs base | Rouge-L − base [95% CI] | p (Wilcoxon) | tasks improved | gap closed |\n" +
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n" +
            "| base | 3 | 0.000 ± 0.000 | 1.000 ± 0.000 | 0.200 ± 0.200 | 0.200 ± 0.200 |  |  |  |  |  |\n" +
            "| finetuned | 3 | 0.000 ± 0.000 | 1.000 ± 0.000 | 0.800 ± 0.000 | 0.800 ± 0.000 | +300.0% | +0.600 [+0.400, +0.800]* | 0.250 | 100.0% |  |\n" +
            "| **KL_base_version** | 3 | 0.000 ± 0.000 | 1.000 ± 0.000 | 0.400 ± 0.100 | 0.400 ± 0.100 | +100.0% | +0.200 [0.000, +0.300] | 0.157 | 66.7% | 33.3% |\n" +
            "| JS_base_version | 2 | 0.000 ± 0.000 | 1.000 ± 0.000 | 0.150 ± 0.071 | 0.150 ± 0.071 | -50.0% | -0.150 [-0.200, -0.100]* | 0.500 | 0.0% | -30.0% |\n" +
            "\n" +
            "`*`: the 95% interval excludes 0.\n" +
            "\n" +
            "Best CPU pipeline (the highest mean Rouge-L of the predicted pipelines): **KL_base_version**, mean Rouge-L 0.400 (95% CI 0.300 to 0.500; +100.0% vs base; 33.3% of the gap to finetuned closed).\n" +
            "Against the runner-up, JS_base_version (mean Rouge-L 0.150), the difference over the 2 tasks both have is +0.300 (95% CI +0.200 to +0.400, p = 0.500): the interval excludes 0 but the Wilcoxon test does not reject equality at 5%, so with 2 tasks the difference is not established.\n" +
            "Of the 3 other pipelines, it is significantly above 1, significantly below 1 and not significantly different from 1 (table below).\n" +
            "\n" +
            "## Best CPU pipeline against the others\n" +
            "\n" +
            "Rouge-L of KL_base_version minus the pipeline's, over the tasks both have: the mean difference with its 95% bootstrap interval, and the Wilcoxon p-value.\n" +
            "\n" +
            "| pipeline | tasks | Rouge-L: best − pipeline [95% CI] | p (Wilcoxon) |\n" +
            "|---|---:|---:|---:|\n" +
            "| base | 3 | +0.200 [0.000, +0.300] | 0.157 |\n" +
            "| finetuned | 3 | -0.400 [-0.500, -0.300]* | 0.250 |\n" +
            "| JS_base_version | 2 | +0.300 [+0.200, +0.400]* | 0.500 |\n" +
            "\n" +
            "`*`: the 95% interval excludes 0.\n" +
            "\n" +
            "Missing outputs (not in the means):\n" +
            "\n" +
            "* JS_base_version: 1 of 3 tasks (c)\n";
        Assert.Equal(Pinned, (Summary.Of("small", Small()) with { CodePaths = new MathCodePaths("COMPATIBLE", "avx2") }).Markdown());
    }
}
