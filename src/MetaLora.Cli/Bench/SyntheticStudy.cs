using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MetaLora.Evaluation;
using MetaLora.Formats;
using MetaLora.Reporting;
using MetaLora.Stages;
using MetaLora.Bank.Embedded;
using MetaLora.Distances;
using MetaLora.Inference;
using MetaLora.Layout;
using MetaLora.Prediction.Coefficients;

namespace MetaLora.Cli.Bench;

/// <summary>
/// A study's Report inputs of a given shape, made up from a seed: per-task scores, summary.json and
/// the score tables, each pipeline's generations, every metric's distances and every (metric, model)'s
/// coefficients. It times the Report stage at the paper's scale without running the study.
/// </summary>
internal static class SyntheticStudy
{
    /// <summary>The shape: tasks, test samples per task, and the characters of each input (a task definition plus the instance).</summary>
    public sealed record Shape(int Tasks, int SamplesPerTask = 8, int InputChars = 1200, int Seed = 7);

    /// <summary>Base, finetuned and the 12 (metric, model) pipelines: the paper's 14.</summary>
    public static IReadOnlyList<InferPipeline> PaperPipelines { get; } =
    [
        .. InferPipeline.All.Take(2),
        .. Enum.GetValues<Metric>().SelectMany(m => Enum.GetValues<CoefficientModel>().Select(c => InferPipeline.Predicted(m, c))),
    ];

    /// <summary>Writes the inputs under data/ and results/ of <paramref name="root"/>; returns the two layouts.</summary>
    public static (DataLayout Data, ResultsLayout Results) Write(string root, Shape shape, IReadOnlyList<InferPipeline> pipelines)
    {
        var data = new DataLayout(Path.Combine(root, "data"));
        var results = new ResultsLayout(Path.Combine(root, "results"));
        var random = new Random(shape.Seed);
        var tasks = Enumerable.Range(0, shape.Tasks).Select(i => string.Create(CultureInfo.InvariantCulture, $"task{i:D3}_synthetic")).ToArray();
        // One generator throughout, drawn in this order: the scores, the outputs, then the distances and coefficients.
        WriteScores(results, tasks, pipelines, random);
        WriteOutputs(results, tasks, pipelines, shape, random);
        WriteDistancesAndCoefficients(data, tasks, random);
        return (data, results);
    }

    /// <summary>Scores: base low, finetuned high, predicted pipelines in between, each task with its own difficulty.</summary>
    private static void WriteScores(ResultsLayout results, string[] tasks, IReadOnlyList<InferPipeline> pipelines, Random random)
    {
        var difficulty = tasks.Select(_ => random.NextDouble()).ToArray();
        var scores = pipelines.Select((p, k) =>
        {
            var level = p.Name == InferPipeline.Base ? 0.1 : p.Name == InferPipeline.Finetuned ? 0.85 : 0.15 + 0.1 * random.NextDouble();
            return tasks.Select((_, t) =>
            {
                var r = Math.Clamp(level + 0.3 * (difficulty[t] - 0.5) + 0.1 * (random.NextDouble() - 0.5), 0, 1);
                var em = random.NextDouble() < r ? 1.0 : 0.0;
                return (SampleScores?)new SampleScores(em, Math.Max(em, r), r, Math.Min(1, r * 1.02));
            }).ToArray();
        }).ToArray();
        var table = new ScoreTable(tasks, pipelines.Select(p => p.Name).ToArray(), scores);
        Directory.CreateDirectory(results.TablesDir);
        table.WriteCsv(results);
        Summary.Of("synthetic", table).Write(results);
    }

    /// <summary>Each pipeline's generations: made-up inputs, references and predictions.</summary>
    private static void WriteOutputs(ResultsLayout results, string[] tasks, IReadOnlyList<InferPipeline> pipelines, Shape shape, Random random)
    {
        foreach (var pipeline in pipelines)
        {
            Directory.CreateDirectory(results.OutputsDir(pipeline.Name));
            foreach (var task in tasks)
            {
                var text = new StringBuilder();
                for (var i = 0; i < shape.SamplesPerTask; i++)
                {
                    var input = Words(random, shape.InputChars);
                    var reference = Words(random, 40);
                    text.Append(JsonSerializer.Serialize(new Dictionary<string, string>
                    {
                        ["id"] = string.Create(CultureInfo.InvariantCulture, $"{task}-{i}"), ["input"] = input, ["reference"] = reference,
                        ["prediction"] = Words(random, 40),
                    })).Append('\n');
                }
                File.WriteAllText(results.OutputFile(pipeline.Name, task), text.ToString());
            }
        }
    }

    /// <summary>Every metric's symmetric distances and, from them, every model's coefficients.</summary>
    private static void WriteDistancesAndCoefficients(DataLayout data, string[] tasks, Random random)
    {
        var n = tasks.Length;
        foreach (var metric in Enum.GetValues<Metric>())
        {
            var distances = new double[n, n];
            for (var i = 0; i < n; i++)
                for (var j = 0; j < i; j++)
                    distances[i, j] = distances[j, i] = 0.1 + random.NextDouble();
            Directory.CreateDirectory(data.DistancesDir);
            MatrixCsv.Write(data.DistanceFile(metric.ToString()), tasks, distances);
            foreach (var model in Enum.GetValues<CoefficientModel>())
            {
                var c = Coefficients(model, distances, random);
                Directory.CreateDirectory(data.CoefficientsDir(metric.ToString(), model.Name()));
                MatrixCsv.Write(data.CoefficientFile(metric.ToString(), model.Name()), tasks, c);
            }
        }
    }

    private static double[,] Coefficients(CoefficientModel model, double[,] distances, Random random)
    {
        var n = distances.GetLength(0);
        var c = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            // base_version: a softmin over all others; normalized_version: a handful; mlp_version: dense.
            var kept = model == CoefficientModel.NormalizedVersion ? 3 : n - 1;
            var sum = 0.0;
            for (var j = 0; j < n; j++)
                if (j != i && (kept == n - 1 || random.Next(n) < kept)) sum += c[i, j] = Math.Exp(-5 * distances[i, j]);
            for (var j = 0; j < n && sum > 0; j++) c[i, j] /= sum;
        }
        return c;
    }

    private static readonly string[] Vocabulary = ["the", "task", "answer", "sentence", "given", "output", "question", "word", "label", "input"];

    private static string Words(Random random, int chars)
    {
        var text = new StringBuilder(chars + 12);
        while (text.Length < chars) text.Append(Vocabulary[random.Next(Vocabulary.Length)]).Append(' ');
        return text.ToString(0, chars);
    }

    /// <summary>Times the Report stage and the page alone over a synthetic study; returns seconds and the page's bytes.</summary>
    public static (double StageSeconds, double PageSeconds, long PageBytes) Time(DataLayout data, ResultsLayout results, IReadOnlyList<InferPipeline> pipelines)
    {
        var watch = Stopwatch.StartNew();
        ReportStage.Run(data, results, pipelines);
        var stage = watch.Elapsed.TotalSeconds;
        watch.Restart();
        ReportStage.WritePage(data, results, pipelines);
        var page = watch.Elapsed.TotalSeconds;
        return (stage, page, new FileInfo(results.ReportHtml).Length);
    }
}
