using System.Text;
using System.Text.Json;
using MetaLora.Bank;
using MetaLora.Evaluation;
using MetaLora.Reporting;
using MetaLora.Stages;
using MetaLora.Tests.Support;
using MetaLora.Inference;
using MetaLora.Layout;

namespace MetaLora.Tests.Reporting;

/// <summary>Score tables and the summary, from known per-task scores and from hand-written outputs.</summary>
public sealed class SummaryTests : IDisposable
{
    private readonly TempDir _work = new();

    public void Dispose() => _work.Dispose();

    private static SampleScores R(double rougeL) => new(0, 1, rougeL, rougeL);

    /// <summary>Three tasks; base 0.2/0.4/0.0, finetuned 0.8/0.8/0.8, KL 0.5/0.4/0.3, JS missing on task c.</summary>
    private static ScoreTable Table() => new(["a", "b", "c"], ["base", "finetuned", "KL_base_version", "JS_base_version"],
    [
        [R(0.2), R(0.4), R(0.0)],
        [R(0.8), R(0.8), R(0.8)],
        [R(0.5), R(0.4), R(0.3)],
        [R(0.1), R(0.2), null],
    ]);

    [Fact]
    public void MeansSpreadsChangesAndTheBestCpuPipelineFollowTheirDefinitions()
    {
        var summary = Summary.Of("fixture", Table());
        var rougeL = SampleScores.Names.ToList().IndexOf("rougeL");
        var kl = summary.Pipelines[2];
        Assert.Equal(3, kl.Tasks);
        Assert.Equal(0.4, kl.Mean[rougeL], 12);
        Assert.Equal(0.1, kl.Std[rougeL], 12); // sample std of 0.5, 0.4, 0.3
        Assert.Equal(100.0, kl.RougeLChangeVsBase!.Value, 9); // 0.4 vs 0.2
        Assert.Equal(2 / 3.0, kl.ImprovedShare!.Value, 12); // a and c improved, b equal
        Assert.Equal(100 * (0.4 - 0.2) / (0.8 - 0.2), kl.GapClosed!.Value, 9);

        var js = summary.Pipelines[3];
        Assert.Equal(2, js.Tasks);
        // Paired on a and b only: 0.15 vs base 0.3.
        Assert.Equal(-50.0, js.RougeLChangeVsBase!.Value, 9);
        Assert.Equal(0.0, js.ImprovedShare!.Value);
        Assert.Null(summary.Pipelines[0].RougeLChangeVsBase);
        Assert.Null(summary.Pipelines[1].GapClosed);

        Assert.Equal("KL_base_version", summary.BestCpuPipeline);
        Assert.Equal("JS_base_version", summary.Missing.Single().Pipeline);
        Assert.Equal(["c"], summary.Missing.Single().Tasks);
        var md = summary.Markdown();
        Assert.Contains("| **KL_base_version** | 3 |", md);
        Assert.Contains("+100.0%", md);
        Assert.Contains("* JS_base_version: 1 of 3 tasks (c)", md);
    }

    [Fact]
    public void TablesHaveTasksAsRowsPipelinesAsColumnsAndEmptyMissingCells()
    {
        var results = new ResultsLayout(_work["results"]);
        Directory.CreateDirectory(results.TablesDir);
        Table().WriteCsv(results);
        Assert.Equal(
            "task,base,finetuned,KL_base_version,JS_base_version\n" +
            "a,0.200000,0.800000,0.500000,0.100000\n" +
            "b,0.400000,0.800000,0.400000,0.200000\n" +
            "c,0.000000,0.800000,0.300000,\n",
            File.ReadAllText(results.TableFile("rougeL")));
        Assert.StartsWith("task,base", File.ReadAllText(results.TableFile("subsequence_match")));
        Assert.Equal(4, Directory.GetFiles(results.TablesDir).Length);
    }

    [Fact]
    public void TableBytesArePinned()
    {
        // Quotes around a comma, quote or line break only; six decimals; an empty cell for a missing score.
        var results = new ResultsLayout(_work["results"]);
        Directory.CreateDirectory(results.TablesDir);
        new ScoreTable(["a,b", "say \"hi\"", "two\nlines", " -tâche="], ["base", "x,y"],
        [
            [R(0.1), null, R(1), R(-0.25)],
            [null, R(0.123456789), R(0), R(2.5e-7)],
        ]).WriteCsv(results);
        const string Pinned =
            "task,base,\"x,y\"\n" +
            "\"a,b\",0.100000,\n" +
            "\"say \"\"hi\"\"\",,0.123457\n" +
            "\"two\n" +
            "lines\",1.000000,0.000000\n" +
            " -tâche=,-0.250000,0.000000\n";
        Assert.Equal(Pinned, Encoding.UTF8.GetString(File.ReadAllBytes(results.TableFile("rougeL"))));
        Assert.Equal(Encoding.UTF8.GetByteCount(Pinned), new FileInfo(results.TableFile("rougeL")).Length);
    }

    [Fact]
    public void EvaluateScoresTheOutputsThatExistAndListsTheRest()
    {
        var bankDir = _work["bank"];
        FixtureBank.Create(bankDir, tasks: 2);
        var bank = BankInfo.Load(bankDir);
        var results = new ResultsLayout(_work["results"]);
        void Output(string pipeline, string task, params (string Prediction, string Reference)[] rows)
        {
            Directory.CreateDirectory(results.OutputsDir(pipeline));
            File.WriteAllLines(results.OutputFile(pipeline, task),
                rows.Select((r, i) => JsonSerializer.Serialize(new { id = $"{task}-{i}", input = "x", reference = r.Reference, prediction = r.Prediction })));
        }
        Output("base", bank.Tasks[0], ("the cats", "cat"), ("dog", "dog"));
        Output("base", bank.Tasks[1], ("", "sun"));
        Output("finetuned", bank.Tasks[0], ("cat", "cat"), ("dog", "dog"));

        var (table, summary) = EvaluateStage.Run(bank, results, InferPipeline.Parse("base,finetuned"), limit: 0);
        var baseTask0 = table.Scores[0][0]!.Value;
        Assert.Equal(0.5, baseTask0.ExactMatch);
        Assert.Equal(1.0, baseTask0.SubsequenceMatch);
        // "the cats" vs "cat": stemmed tokens [the, cat] vs [cat]: P 1/2, R 1 -> F 2/3; "dog" is exact.
        Assert.Equal((2 / 3.0 + 1) / 2, baseTask0.RougeL, 12);
        Assert.Equal(0.0, table.Scores[0][1]!.Value.RougeL);
        Assert.Null(table.Scores[1][1]);
        Assert.Equal("finetuned", summary.Missing.Single().Pipeline);
        Assert.Equal([bank.Tasks[1]], summary.Missing.Single().Tasks);

        using var json = JsonDocument.Parse(File.ReadAllBytes(results.SummaryJson));
        Assert.Equal(2, json.RootElement.GetProperty("tasks").GetInt32());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("best_cpu_pipeline").ValueKind);
        Assert.Equal(1, json.RootElement.GetProperty("pipelines")[1].GetProperty("tasks").GetInt32());
        Assert.True(File.Exists(results.SummaryMarkdown));

        // A corrupt output names its file and line.
        File.AppendAllText(results.OutputFile("finetuned", bank.Tasks[0]), "{\"prediction\": 3}\n");
        var e = Assert.Throws<BadInputException>(() => EvaluateStage.Run(bank, results, InferPipeline.Parse("base,finetuned"), limit: 0));
        Assert.Contains(bank.Tasks[0] + ".jsonl", e.Message);
        Assert.Contains("3", e.Message);
    }

    [Fact]
    public void ReportReadsTheTableBackAndDrawsMeansAndScatters()
    {
        var results = new ResultsLayout(_work["results"]);
        Directory.CreateDirectory(results.TablesDir);
        Table().WriteCsv(results);
        var columns = ScoreColumns.Read(results.TableFile("rougeL"));
        Assert.Equal(["a", "b", "c"], columns.Tasks);
        Assert.Equal(0.3, columns.Values[2][2]);
        Assert.True(double.IsNaN(columns.Values[3][2]));

        // No coefficients in this data folder: no heatmaps, the rest is drawn, and the page without them.
        Summary.Of("fixture", Table()).Write(results);
        var written = ReportStage.Run(new DataLayout(_work["data"]), results, InferPipeline.Parse("base,finetuned,KL_base_version,JS_base_version"));
        Assert.Equal(["rougeL_by_pipeline.png", "scatter_finetuned.png", "scatter_KL_base_version.png", "scatter_JS_base_version.png", "report.html"], written.Select(Path.GetFileName));
        Assert.All(written, f => Assert.True(new FileInfo(f).Length > 1000));
        Assert.DoesNotContain("class=\"heatmap\"", File.ReadAllText(results.ReportHtml));

        File.WriteAllText(results.TableFile("rougeL"), "task,base\na,0.1,0.2\n");
        var e = Assert.Throws<BadInputException>(() => ScoreColumns.Read(results.TableFile("rougeL")));
        Assert.Contains("rougeL_results.csv", e.Message);
        Assert.Contains("expected 2 fields, found 3", e.Message);
    }
}
