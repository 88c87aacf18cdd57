using System.Globalization;
using System.Text.Json;
using MetaLora.Bank;
using MetaLora.Formats;
using MetaLora.Distances;
using MetaLora.IO;
using MetaLora.Inference;
using MetaLora.Layout;
using MetaLora.Prediction.Baselines;
using MetaLora.Prediction.Coefficients;
using MetaLora.Prediction.Coefficients.Mlp;
using MetaLora.Prediction.Combining;
using MetaLora.Prediction.Combining.Delta;
using MetaLora.Repro;

namespace MetaLora.Stages;

/// <summary>
/// The prediction stages: the bank's Gram matrix (once per bank, for mlp_version), the
/// coefficients per metric and model, and the predicted adapters they weight together.
/// </summary>
internal static class PredictStages
{
    /// <summary>The bank's adapters for the selected tasks, checked consistent (same keys, shapes, dtypes).</summary>
    public static IReadOnlyList<PeftAdapter> OpenAdapters(BankInfo bank, IReadOnlyList<string> tasks) =>
        AdapterBank.CheckConsistent(tasks.Select(bank.AdapterDir).ToArray());

    public static void Gram(BankInfo bank, DataLayout layout, int limit)
    {
        var tasks = bank.Take(limit);
        var gram = Prediction.Coefficients.Mlp.Gram.Compute(OpenAdapters(bank, tasks));
        MatrixCsv.Write(layout.GramFile, tasks, gram.Matrix);
    }

    public static void Coefficients(BankInfo bank, DataLayout layout, Metric metric, CoefficientModel model, int limit, MlpOptions mlp, IProgress<int>? progress = null)
    {
        var tasks = bank.Take(limit);
        var distances = ReadFor(layout.DistanceFile(metric.ToString()), tasks, "the Distances stage");
        var dir = layout.CoefficientsDir(metric.ToString(), model.Name());
        double[,] coefficients;
        switch (model)
        {
            case CoefficientModel.BaseVersion:
                coefficients = BaseVersion.Coefficients(distances);
                break;
            case CoefficientModel.NormalizedVersion:
                coefficients = NormalizedVersion.Coefficients(distances);
                break;
            default:
                var gram = ReadFor(layout.GramFile, tasks, "the Gram stage");
                var adapters = OpenAdapters(bank, tasks);
                var parameters = adapters[0].Weights.Tensors.Sum(t => t.ElementCount);
                var checkpoint = Path.Combine(layout.ItemsDir(StageName.Of(StageKind.Coefficients, metric.ToString(), model.Name())), "mlp.checkpoint");
                using (var training = MlpVersion.Train(distances, gram, parameters, mlp with { CheckpointPath = checkpoint }, progress))
                {
                    coefficients = training.Coefficients;
                    WriteTrainingLog(Path.Combine(dir, "training_log.csv"), training.Losses);
                    WriteSplit(Path.Combine(dir, "split.json"), tasks, training.Split);
                    TrainedMlp.Save(dir, training.Mlp, TrainedMlp.Key(mlp, tasks, distances, adapters));
                }
                break;
        }
        MatrixCsv.Write(layout.CoefficientFile(metric.ToString(), model.Name()), tasks, coefficients);
    }

    /// <summary>
    /// The predicted adapters of one metric and coefficient model under <paramref name="combiner"/>, in
    /// <c>predicted_adapters/&lt;METRIC&gt;/&lt;model&gt;[+&lt;combiner&gt;]/&lt;task&gt;/</c>.
    /// </summary>
    /// <returns>With the delta combiner, what each output kept; otherwise empty.</returns>
    public static IReadOnlyList<DeltaReport> Predict(BankInfo bank, DataLayout layout, Metric metric, CoefficientModel model, int limit,
        Combiner combiner = Combiner.Paper, DeltaOptions? delta = null, IProgress<double>? progress = null)
    {
        var tasks = bank.Take(limit);
        var coefficients = ReadFor(layout.CoefficientFile(metric.ToString(), model.Name()), tasks, "the Coefficients stage");
        var pipeline = InferPipeline.Predicted(metric, model, combiner);
        return Combine(OpenAdapters(bank, tasks), coefficients, tasks.Select(t => pipeline.AdapterDir(bank, layout, t)!).ToArray(), combiner, delta, progress);
    }

    /// <summary>The uniform baseline under <paramref name="combiner"/>, in <c>predicted_adapters/uniform[+&lt;combiner&gt;]/&lt;task&gt;/</c>.</summary>
    public static IReadOnlyList<DeltaReport> PredictUniform(BankInfo bank, DataLayout layout, int limit, Combiner combiner = Combiner.Paper,
        DeltaOptions? delta = null, IProgress<double>? progress = null)
    {
        var tasks = bank.Take(limit);
        var pipeline = InferPipeline.Uniform(combiner);
        return Combine(OpenAdapters(bank, tasks), UniformBaseline.Coefficients(tasks.Count), tasks.Select(t => pipeline.AdapterDir(bank, layout, t)!).ToArray(),
            combiner, delta, progress);
    }

    /// <summary>The nearest-task baseline of <paramref name="metric"/>, in <c>predicted_adapters/&lt;METRIC&gt;/nearest/&lt;task&gt;/</c>.</summary>
    public static void PredictNearest(BankInfo bank, DataLayout layout, Metric metric, int limit)
    {
        var tasks = bank.Take(limit);
        var distances = ReadFor(layout.DistanceFile(metric.ToString()), tasks, "the Distances stage");
        OpenAdapters(bank, tasks);
        var pipeline = InferPipeline.Nearest(metric);
        NearestBaseline.Copy(tasks.Select(bank.AdapterDir).ToArray(), tasks, NearestBaseline.Choose(distances),
            tasks.Select(t => pipeline.AdapterDir(bank, layout, t)!).ToArray());
    }

    /// <summary>Weights the bank's adapters together with the chosen combiner (the only place that picks one).</summary>
    public static IReadOnlyList<DeltaReport> Combine(IReadOnlyList<PeftAdapter> adapters, double[,] coefficients, IReadOnlyList<string> outputs,
        Combiner combiner, DeltaOptions? delta = null, IProgress<double>? progress = null)
    {
        switch (combiner)
        {
            case Combiner.Paper:
                AdapterMixer.Mix(adapters, coefficients, outputs, progress: progress);
                return [];
            case Combiner.LinearSqrt:
                LinearSqrtCombiner.Mix(adapters, coefficients, outputs, progress);
                return [];
            default:
                return DeltaCombiner.Mix(adapters, coefficients, outputs, delta ?? new DeltaOptions(), progress);
        }
    }

    /// <summary>A matrix over exactly <paramref name="tasks"/>, in order; anything else means a stage upstream is stale.</summary>
    private static double[,] ReadFor(string path, IReadOnlyList<string> tasks, string producer)
    {
        if (!File.Exists(path)) throw BadInputException.At(path, $"not found; run {producer} first");
        var matrix = MatrixCsv.Read(path);
        if (!matrix.Names.SequenceEqual(tasks, StringComparer.Ordinal))
            throw BadInputException.At(path, $"its tasks ({matrix.Names.Count}) are not the bank's selected tasks ({tasks.Count}); rerun {producer}");
        return matrix.Values;
    }

    internal static void WriteTrainingLog(string path, IReadOnlyList<double> losses)
    {
        var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = Csv.Writer(text, _ => false))
        {
            csv.WriteRecord(["step", "loss"]);
            for (var i = 0; i < losses.Count; i++)
                csv.WriteRecord([i.ToString(CultureInfo.InvariantCulture), losses[i].ToString("R", CultureInfo.InvariantCulture)]);
        }
        AtomicFile.WriteAllText(path, text.ToString());
    }

    private static void WriteSplit(string path, IReadOnlyList<string> tasks, TaskSplit split) =>
        AtomicFile.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(new
        {
            train = split.Train.Select(i => tasks[i]),
            held_out = split.HeldOut.Select(i => tasks[i]),
        }, new JsonSerializerOptions { WriteIndented = true }));
}
