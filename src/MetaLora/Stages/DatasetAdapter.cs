using System.Text.Json;
using MetaLora.Bank;
using MetaLora.Formats;
using MetaLora.Tokenization;
using MetaLora.Distances;
using MetaLora.IO;
using MetaLora.Layout;
using MetaLora.Prediction.Coefficients;
using MetaLora.Prediction.Coefficients.Mlp;
using MetaLora.Prediction.Combining;
using MetaLora.Prediction.Combining.Delta;

namespace MetaLora.Stages;

/// <summary>
/// The everyday use: a LoRA adapter for a user's own dataset, without training. Tokenizes the
/// dataset as the bank's tasks are tokenized, measures its distance to every bank task, turns the
/// distances into coefficients over the whole bank, and writes the weighted sum of the bank's
/// adapters as a PEFT folder, with a report of the tasks that contributed most.
/// </summary>
internal static class DatasetAdapter
{
    public const string ReportFileName = "generation_report.json";

    public sealed record Contribution(string Task, double Weight, double Distance);

    /// <param name="Contributions">Every bank task's weight and distance, highest weight first.</param>
    /// <param name="Tokens">How many tokens the user's dataset has.</param>
    /// <param name="MlpSource">mlp_version only: where f came from (the pipeline's trained f, or trained now).</param>
    public sealed record Result(IReadOnlyList<Contribution> Contributions, int Tokens, string? MlpSource);

    /// <param name="Metric">The distance to the bank's tasks.</param>
    /// <param name="Model">The coefficient model.</param>
    /// <param name="Mlp">mlp_version's options.</param>
    /// <param name="Seed">Seed of MMD's sampling.</param>
    /// <param name="Limit">Use only the bank's first tasks (0 = all).</param>
    /// <param name="Combiner">How the weighted adapters are combined (the paper's by default).</param>
    /// <param name="Delta">The delta combiner's rank and top-k.</param>
    public sealed record Options(Metric Metric, CoefficientModel Model, MlpOptions Mlp, ulong Seed, int Limit, Combiner Combiner = Combiner.Paper, DeltaOptions? Delta = null);

    public static Result Run(string dataset, BankInfo bank, DataLayout layout, string outputFolder, Options options)
    {
        var tasks = bank.Take(options.Limit);
        var samples = ReadDataset(dataset);
        var adapters = PredictStages.OpenAdapters(bank, tasks);
        var tokens = TaskTokenizer.Tokenize(TokenizerFactory.Create(bank), samples, bank.VocabSize, dataset);

        // The bank's tokens come from the (incremental) Tokenize stage's outputs.
        TokenizeStage.Run(bank, layout, options.Limit, force: false);
        var bankTokens = DistancesStage.LoadTokens(layout, tasks);

        // The new dataset is one more row: its distances to every bank task (row = the dataset
        // being adapted for), and for mlp_version the bank's own matrix to train on.
        var newName = "(new dataset)";
        var all = DistanceMatrix.Compute(options.Metric, [.. bankTokens, tokens], [.. tasks, newName], bank.VocabSize, options.Seed);
        var n = tasks.Count;
        var row = Enumerable.Range(0, n).Select(j => all[n, j]).ToArray();
        string? mlpSource = null;
        var weights = options.Model switch
        {
            CoefficientModel.BaseVersion => BaseVersion.Row(row),
            CoefficientModel.NormalizedVersion => NormalizedVersion.Row(row),
            _ => MlpRow(all, row, tasks, adapters, options.Mlp, layout.CoefficientsDir(options.Metric.ToString(), options.Model.Name()), out mlpSource),
        };

        var c = new double[1, n];
        for (var j = 0; j < n; j++) c[0, j] = weights[j];
        PredictStages.Combine(adapters, c, [outputFolder], options.Combiner, options.Delta);

        var contributions = Enumerable.Range(0, n)
            .Select(j => new Contribution(tasks[j], weights[j], row[j]))
            .OrderByDescending(x => x.Weight).ThenBy(x => x.Task, StringComparer.Ordinal)
            .ToArray();
        AtomicFile.WriteAllBytes(Path.Combine(outputFolder, ReportFileName), JsonSerializer.SerializeToUtf8Bytes(new
        {
            dataset = Path.GetFullPath(dataset),
            dataset_sha256 = FileStamp.Hash(File.Exists(dataset) ? dataset : Dataset.SplitFiles(dataset, "train")[0]),
            bank = bank.Name,
            metric = options.Metric.ToString(),
            model = options.Model.Name(),
            mlp = mlpSource,
            tokens = tokens.Length,
            coefficients = contributions.Select(x => new { task = x.Task, weight = x.Weight, distance = x.Distance }),
        }, new JsonSerializerOptions { WriteIndented = true }));
        return new Result(contributions, tokens.Length, mlpSource);
    }

    /// <summary>
    /// The dataset's mlp_version coefficients with the f the Predict pipeline trained on this bank when
    /// it is saved and current; otherwise f is trained here on the bank, exactly as that stage would.
    /// </summary>
    private static double[] MlpRow(double[,] all, double[] row, IReadOnlyList<string> tasks, IReadOnlyList<PeftAdapter> adapters,
        MlpOptions mlp, string trainedDir, out string source)
    {
        var n = row.Length;
        var bankDistances = new double[n, n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
                bankDistances[i, j] = all[i, j];
        using (var saved = TrainedMlp.TryLoad(trainedDir, mlp.Hidden, TrainedMlp.Key(mlp, tasks, bankDistances, adapters)))
        {
            if (saved is not null)
            {
                source = Path.Combine(trainedDir, TrainedMlp.WeightsFileName);
                return MlpVersion.Row(saved, row, engine: mlp.Engine);
            }
        }
        var gram = Gram.Compute(adapters);
        using var training = MlpVersion.Train(bankDistances, gram.Matrix, gram.Parameters, mlp);
        source = $"trained now on {training.Split.Train.Count} of {n} bank tasks";
        return training.Row(row);
    }

    /// <summary>A JSONL or parquet file (every sample), or a task folder (its train split).</summary>
    public static IReadOnlyList<Sample> ReadDataset(string path)
    {
        IReadOnlyList<Sample> samples;
        if (Directory.Exists(path)) samples = Dataset.ReadSplit(path, "train");
        else if (!File.Exists(path)) throw BadInputException.At(path, "dataset not found (a .jsonl or .parquet file, or a folder with a train split)");
        else if (path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase)) samples = ParquetSamples.Read(path, "train");
        else samples = JsonlSamples.Read(path, "train");
        if (samples.Count == 0) throw BadInputException.At(path, "dataset is empty");
        return samples;
    }
}
