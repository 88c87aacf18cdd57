using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using MetaLora.Cli.Bench;
using MetaLora.Formats;
using MetaLora.Reporting;
using MetaLora.Stages;
using SkiaSharp;
using MetaLora.Distances;
using MetaLora.Inference;
using MetaLora.Layout;
using MetaLora.Prediction.Coefficients;
using MetaLora.Prediction.Combining;

namespace MetaLora.Tests.Reporting;

/// <summary>results/report.html from the files of a small synthetic study: contents, escaping, self-containment, identity.</summary>
public sealed partial class ReportPageTests : IDisposable
{
    private readonly TempDir _work = new();

    public void Dispose() => _work.Dispose();

    /// <summary>Data that would run or fetch if it reached the page as markup.</summary>
    internal const string HostileInput = "<script>window.pwned = 1</script>";
    internal const string HostileReference = "<img src=x onerror=\"window.pwned = 2\">";
    internal const string HostilePrediction = "</pre><script>window.pwned = 3</script><a href=\"https://example.org/\">x</a>";

    /// <summary>A 5-task synthetic study (base, finetuned, 12 predicted) whose first task's first sample is hostile.</summary>
    internal static (DataLayout Data, ResultsLayout Results) HostileStudy(string root, int tasks = 5)
    {
        var (data, results) = SyntheticStudy.Write(root, new SyntheticStudy.Shape(tasks, SamplesPerTask: 4, InputChars: 300), SyntheticStudy.PaperPipelines);
        foreach (var pipeline in SyntheticStudy.PaperPipelines)
        {
            var file = results.OutputFile(pipeline.Name, "task000_synthetic");
            var lines = File.ReadAllLines(file);
            lines[0] = JsonSerializer.Serialize(new Dictionary<string, string>
            {
                ["id"] = "task000_synthetic-0", ["input"] = HostileInput, ["reference"] = HostileReference, ["prediction"] = HostilePrediction + pipeline.Name,
            });
            File.WriteAllLines(file, lines);
        }
        return (data, results);
    }

    [Fact]
    public void The_page_escapes_data_fetches_nothing_and_is_the_same_bytes_twice()
    {
        var (data, results) = HostileStudy(_work.Path);
        ReportStage.WritePage(data, results, SyntheticStudy.PaperPipelines);
        var html = File.ReadAllText(results.ReportHtml);

        Assert.DoesNotContain(HostileInput, html);
        Assert.DoesNotContain("<img src=x", html);
        Assert.DoesNotContain("<script>window.pwned", html);
        Assert.Contains("&lt;script&gt;window.pwned = 1&lt;/script&gt;", html);
        Assert.Contains("&lt;img src=x onerror=&quot;window.pwned = 2&quot;&gt;", html);
        // One script element (the page's own), every image a data URI, no link to anywhere.
        Assert.Single(Regex.Matches(html, "<script"));
        Assert.All(Regex.Matches(html, "\\bsrc=\"([^\"]*)\"").Select(m => m.Groups[1].Value), src => Assert.StartsWith("data:image/png;base64,", src));
        Assert.All(Regex.Matches(html, "\\bhref=\"([^\"]*)\"").Select(m => m.Groups[1].Value), href => Assert.StartsWith("#", href));
        Assert.DoesNotContain("<link", html);
        Assert.DoesNotContain("url(", html);

        var bytes = File.ReadAllBytes(results.ReportHtml);
        ReportStage.WritePage(data, results, SyntheticStudy.PaperPipelines);
        Assert.Equal(bytes, File.ReadAllBytes(results.ReportHtml));
    }

    [Fact]
    public void The_headline_table_holds_summary_json_numbers_and_every_task_has_its_drill_down()
    {
        var (data, results) = HostileStudy(_work.Path);
        ReportStage.WritePage(data, results, SyntheticStudy.PaperPipelines);
        var html = File.ReadAllText(results.ReportHtml);
        var summary = Summary.Read(results.SummaryJson);

        var table = Regex.Match(html, "<table id=\"headline\".*?</table>", RegexOptions.Singleline).Value;
        var rows = Regex.Matches(table, "<tr data-pipeline=\"([^\"]*)\"[^>]*>(.*?)</tr>", RegexOptions.Singleline);
        Assert.Equal(summary.Pipelines.Select(l => l.Pipeline), rows.Select(r => r.Groups[1].Value));
        foreach (Match row in rows)
        {
            var line = summary.Pipelines.Single(l => l.Pipeline == row.Groups[1].Value);
            var values = Regex.Matches(row.Groups[2].Value, "<td data-value=\"([^\"]*)\"").Select(m => m.Groups[1].Value).ToArray();
            // tasks, the four means, the Rouge-L interval's low end, Rouge-L - base, p, change, improved, gap.
            Assert.Equal(11, values.Length);
            Assert.Equal(line.Tasks, int.Parse(values[0], CultureInfo.InvariantCulture));
            for (var k = 0; k < 4; k++) Assert.Equal(line.Mean[k], double.Parse(values[1 + k], CultureInfo.InvariantCulture));
            Assert.Equal(line.RougeLMeanCi95!.Value.Low, double.Parse(values[5], CultureInfo.InvariantCulture));
            Assert.Equal(line.VsBase?.MeanDifference, Number(values[6]));
            Assert.Equal(line.VsBase?.PValue, Number(values[7]));
            Assert.Equal(line.RougeLChangeVsBase, Number(values[8]));
            Assert.Equal(line.ImprovedShare * 100, Number(values[9]));
            Assert.Equal(line.GapClosed, Number(values[10]));
        }
        // The best pipeline's comparisons with all 13 others.
        var versus = Regex.Match(html, "<table id=\"versus-table\".*?</table>", RegexOptions.Singleline).Value;
        Assert.Equal(summary.BestVersus.Select(v => v.Reference), Regex.Matches(versus, "<tr data-pipeline=\"([^\"]*)\"").Select(m => m.Groups[1].Value));
        Assert.Equal(13, summary.BestVersus.Count);

        var tasks = Regex.Matches(html, "<details class=\"task\" data-task=\"([^\"]*)\"").Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(ScoreColumns.Read(results.TableFile("rougeL")).Tasks, tasks);
        // Three samples of base, finetuned and the best CPU pipeline, the first one hostile (escaped).
        var first = Regex.Match(html, "<details class=\"task\" data-task=\"task000_synthetic\">.*?</details>", RegexOptions.Singleline).Value;
        Assert.Equal(3, Regex.Matches(first, "<div class=\"sample\"").Count);
        Assert.Equal(["base", "finetuned", summary.BestCpuPipeline!], Regex.Matches(first, "<pre class=\"gen\" data-pipeline=\"([^\"]*)\">").Select(m => m.Groups[1].Value).Take(3));
        Assert.Contains("&lt;/pre&gt;&lt;script&gt;window.pwned = 3&lt;/script&gt;&lt;a href=&quot;https://example.org/&quot;&gt;x&lt;/a&gt;finetuned", first);
    }

    private static double? Number(string value) => value.Length == 0 ? null : double.Parse(value, CultureInfo.InvariantCulture);

    [Fact]
    public void A_task_lists_the_bank_tasks_with_the_largest_weights_with_their_distances()
    {
        var (data, results) = HostileStudy(_work.Path, tasks: 9);
        ReportStage.WritePage(data, results, SyntheticStudy.PaperPipelines);
        var html = File.ReadAllText(results.ReportHtml);
        var coefficients = MatrixCsv.Read(data.CoefficientFile("JS", "base_version"));
        var distances = MatrixCsv.Read(data.DistanceFile("JS"));

        var task = Regex.Match(html, "<details class=\"task\" data-task=\"task004_synthetic\">.*?</details>", RegexOptions.Singleline).Value;
        var view = Regex.Match(task, "<caption>JS base_version</caption>.*?</table>", RegexOptions.Singleline).Value;
        var listed = Regex.Matches(view, "<tr><th scope=\"row\">([^<]*)</th><td>([^<]*)</td><td>([^<]*)</td></tr>")
            .Select(m => (m.Groups[1].Value, double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture))).ToArray();

        // Expected: the row's weights sorted by size, largest first (a plain loop, not the page's code).
        var expected = new List<(string Name, double Weight, double Distance)>();
        for (var j = 0; j < coefficients.Names.Count; j++)
            if (coefficients.Values[4, j] != 0) expected.Add((coefficients.Names[j], coefficients.Values[4, j], distances.Values[4, j]));
        expected.Sort((a, b) => b.Weight.CompareTo(a.Weight));
        Assert.Equal(5, listed.Length);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(expected[i].Name, listed[i].Item1);
            Assert.Equal(expected[i].Weight, listed[i].Item2, 0.5e-4 + 1e-12);
            Assert.Equal(expected[i].Distance, listed[i].Item3, Math.Abs(expected[i].Distance) * 1e-3);
        }
    }

    [Fact]
    public void A_heatmap_is_a_png_whose_pixels_follow_the_weights()
    {
        var (data, results) = HostileStudy(_work.Path, tasks: 7);
        ReportStage.WritePage(data, results, SyntheticStudy.PaperPipelines);
        var html = File.ReadAllText(results.ReportHtml);
        var uri = Regex.Match(html, "<figure class=\"heatmap\" data-view=\"KL normalized_version\"><img src=\"data:image/png;base64,([^\"]*)\"").Groups[1].Value;
        using var bitmap = SKBitmap.Decode(Convert.FromBase64String(uri)); // an independent PNG decoder
        var c = MatrixCsv.Read(data.CoefficientFile("KL", "normalized_version"));
        Assert.Equal((7, 7), (bitmap.Width, bitmap.Height));
        var max = c.Values.Cast<double>().Max();
        for (var i = 0; i < 7; i++)
            for (var j = 0; j < 7; j++)
            {
                var pixel = bitmap.GetPixel(j, i);
                // 128 shades from white to (8, 48, 107): the shade nearest the weight's share of the largest.
                var t = Math.Round(c.Values[i, j] / max * 127) / 127;
                Assert.Equal(((byte)Math.Round(255 - t * 247), (byte)Math.Round(255 - t * 207), (byte)Math.Round(255 - t * 148)), (pixel.Red, pixel.Green, pixel.Blue));
                if (c.Values[i, j] == 0) Assert.Equal(SKColors.White, pixel);
            }
        // 1/Σc² per task in the caption: normalized_version keeps a handful of adapters.
        Assert.Matches("KL normalized_version</strong> \\(KL_normalized_version\\)\\. Effective number of adapters per task: median \\d\\.\\d", html);
    }

    [Fact]
    public void Combiners_and_baselines_appear_in_the_tables_the_figures_and_the_drill_down()
    {
        InferPipeline[] pipelines =
        [
            .. InferPipeline.All.Take(2), InferPipeline.Uniform(Combiner.Paper), InferPipeline.Nearest(Metric.KL),
            InferPipeline.Predicted(Metric.KL, CoefficientModel.BaseVersion), InferPipeline.Predicted(Metric.KL, CoefficientModel.BaseVersion, Combiner.Delta),
        ];
        var (data, results) = SyntheticStudy.Write(_work.Path, new SyntheticStudy.Shape(6, SamplesPerTask: 3, InputChars: 100), pipelines);
        ReportStage.WritePage(data, results, pipelines);
        var html = File.ReadAllText(results.ReportHtml);

        var table = Regex.Match(html, "<table id=\"headline\".*?</table>", RegexOptions.Singleline).Value;
        Assert.Equal(pipelines.Select(p => p.Name), Regex.Matches(table, "<tr data-pipeline=\"([^\"]*)\"").Select(m => m.Groups[1].Value));
        var versus = Regex.Match(html, "<table id=\"versus-table\".*?</table>", RegexOptions.Singleline).Value;
        Assert.Contains("<tr data-pipeline=\"nearest_KL\">", versus);
        Assert.Contains("<tr data-pipeline=\"uniform\">", versus);
        // One matrix for KL base_version, shared by its combiner; one for the nearest baseline: one adapter per task.
        Assert.Equal(["KL base_version", "nearest_KL"], Regex.Matches(html, "<figure class=\"heatmap\" data-view=\"([^\"]*)\"").Select(m => m.Groups[1].Value));
        Assert.Contains("<strong>KL base_version</strong> (KL_base_version, KL_base_version+delta)", html);
        Assert.Contains("<strong>nearest_KL</strong> (nearest_KL). Effective number of adapters per task: median 1.0 (from 1.0 to 1.0).", html);
        Assert.Equal(pipelines.Length - 1, Regex.Matches(html, "<figure class=\"scatter\"").Count);

        // The nearest baseline's drill-down names the task it copies: the one at the smallest KL distance.
        var distances = MatrixCsv.Read(data.DistanceFile("KL"));
        var nearest = Enumerable.Range(0, 6).Where(j => j != 2).MinBy(j => distances.Values[2, j]);
        var task = Regex.Match(html, "<details class=\"task\" data-task=\"task002_synthetic\">.*?</details>", RegexOptions.Singleline).Value;
        var view = Regex.Match(task, "<caption>nearest_KL</caption>.*?</table>", RegexOptions.Singleline).Value;
        Assert.Matches($"^.*<tbody><tr><th scope=\"row\">{distances.Names[nearest]}</th><td>1.0000</td><td>[^<]+</td></tr></tbody></table>$", view);
    }

    [Fact]
    public void A_study_of_the_papers_shape_gives_a_page_under_25_MB()
    {
        // 502 tasks, base, finetuned and 12 predicted pipelines, long inputs (the page cuts them).
        var (data, results) = SyntheticStudy.Write(_work.Path, new SyntheticStudy.Shape(502, SamplesPerTask: 3, InputChars: 2500), SyntheticStudy.PaperPipelines);
        ReportStage.WritePage(data, results, SyntheticStudy.PaperPipelines);
        var length = new FileInfo(results.ReportHtml).Length;
        Assert.InRange(length, 1_000_000, 25_000_000);
        var html = File.ReadAllText(results.ReportHtml);
        Assert.Equal(502, Regex.Matches(html, "<details class=\"task\"").Count);
        Assert.Equal(12, Regex.Matches(html, "<figure class=\"heatmap\"").Count);
        Assert.Equal(13, Regex.Matches(html, "<figure class=\"scatter\"").Count);
    }
}
