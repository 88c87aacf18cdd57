using static TorchSharp.torch;
using MetaLora.Prediction.Coefficients.Mlp;
using MetaLora.Prediction.Coefficients.Mlp.Dense;
using MetaLora.Prediction.Coefficients.Mlp.Sweep;
using MetaLora.Repro.CodeIdentity;

namespace MetaLora.Prediction.Coefficients;

/// <summary>
/// The paper's mlp_version: C = softmin(f(Z)), Z the row-standardised distances (as in
/// normalized_version) and f a small MLP applied to each entry, trained so that mixing the train
/// tasks' adapters with C reproduces them: minimise MSE(softmin(f(Z_train)) A_train, A_train).
/// </summary>
[StageVariant(CoefficientModelNames.Parameter, CoefficientModelNames.MlpVersion)]
public static class MlpVersion
{
    /// <summary>
    /// Trains f on a seeded split of the bank and returns the coefficients for all N tasks.
    /// <paramref name="gram"/> is G = A Aᵀ for the flattened adapters A (one row per task) and
    /// <paramref name="parameters"/> is P, the length of a row of A: the loss needs nothing else, since
    /// ‖(C − I) A‖²_F = trace((C − I) G (C − I)ᵀ). Same inputs and options give the same coefficients
    /// bit for bit (for the dense engine, also the same thread count).
    /// </summary>
    public static MlpTraining Train(double[,] distances, double[,] gram, long parameters, MlpOptions? options = null, IProgress<int>? progress = null)
    {
        options ??= new MlpOptions();
        var (split, z, trainInputs, trainGram) = Prepare(distances, gram, parameters, options);
        var n = distances.GetLength(0);
        var train = split.Train;

        var threadsBefore = get_num_threads();
        set_num_threads(options.Threads == 0 ? Environment.ProcessorCount : options.Threads);
        try
        {
            // Both engines draw the initial f from torch's generator in the same way: PyTorch's init.
            manual_seed(unchecked((long)options.Seed));
            using IMlpTrainer trainer = options.Engine == MlpEngine.Dense
                ? new DenseMlp(trainInputs, options)
                : new SweepTrainer(trainInputs, options);
            using var gramTensor = from_array(trainGram);
            var losses = new List<double>(options.Steps + 1);
            var checkpoint = options.CheckpointPath is { } path ? new MlpCheckpoint(path, MlpCheckpoint.Key(distances, gram, parameters, options)) : null;
            var first = checkpoint?.TryResume(losses, trainer.Resume) ?? 0;
            if (first > 0) progress?.Report(first);
            var lastSave = System.Diagnostics.Stopwatch.StartNew();
            for (var step = first; step < options.Steps; step++)
            {
                // f at the current parameters, the loss, and ∂loss/∂f: cheap (n_train² entries); then
                // the engine's full-batch gradient from that upstream gradient, and one Adam step.
                var outputs = trainer.Evaluate();
                var (loss, upstream) = LossAndUpstream(outputs, train.Count, gramTensor, parameters, withGradient: true);
                losses.Add(loss);
                trainer.Step(upstream!);
                if (checkpoint is not null && step + 1 < options.Steps && lastSave.Elapsed.TotalSeconds >= options.CheckpointSeconds)
                {
                    checkpoint.Save(losses, trainer.Save);
                    lastSave.Restart();
                }
                progress?.Report(step + 1);
            }
            checkpoint?.Delete();

            var all = Enumerable.Range(0, n).ToArray();
            var scores = Scores(trainer.Apply(OffDiagonal(z, all)), n);
            var finalOutputs = OffDiagonal(scores, train);
            losses.Add(LossAndUpstream(finalOutputs, train.Count, gramTensor, parameters, withGradient: false).Loss);
            return new MlpTraining(Softmin.Rows(scores), losses, split, trainer.TakeResult(), options.Engine);
        }
        finally
        {
            set_num_threads(threadsBefore);
        }
    }

    /// <summary>
    /// Checks the inputs and draws the split; returns it with the standardised distances Z, the train
    /// tasks' off-diagonal entries of Z (f's inputs) and the train tasks' block of the Gram matrix.
    /// </summary>
    private static (TaskSplit Split, double[,] Z, double[] TrainInputs, double[,] TrainGram) Prepare(double[,] distances, double[,] gram, long parameters,
        MlpOptions options)
    {
        options.Validate();
        DistanceInput.CheckSquare(distances);
        var n = distances.GetLength(0);
        CheckGram(gram, n);
        if (parameters < 1)
            throw new ArgumentOutOfRangeException(nameof(parameters), parameters, "adapters must have at least one parameter");
        var split = TaskSplit.Draw(n, options.TrainFraction, options.Seed);
        var train = split.Train;
        if (train.Count < 2)
            throw new BadInputException(
                $"mlp_version needs at least 2 training tasks, but {options.TrainFraction:R} of {n} tasks is {train.Count}; use a larger bank");

        var z = NormalizedVersion.Standardize(distances);
        var trainInputs = OffDiagonal(z, train);
        var trainGram = new double[train.Count, train.Count];
        for (var a = 0; a < train.Count; a++)
            for (var b = 0; b < train.Count; b++)
                trainGram[a, b] = gram[train[a], train[b]];
        return (split, z, trainInputs, trainGram);
    }

    /// <summary>C = softmin(f(Z)) for these distances with a trained f, applied by <paramref name="engine"/>; C[i][i] = 0.</summary>
    public static double[,] Coefficients(CoefficientMlp mlp, double[,] distances, MlpEngine engine = MlpEngine.Sweep)
    {
        ArgumentNullException.ThrowIfNull(mlp);
        var z = NormalizedVersion.Standardize(distances);
        var n = z.GetLength(0);
        return Softmin.Rows(Scores(Apply(mlp, OffDiagonal(z, Enumerable.Range(0, n).ToArray()), engine), n));
    }

    /// <summary>
    /// Coefficients over the N bank tasks for a dataset with these distances to them: the row is
    /// standardised over all its entries, f is applied to each (by <paramref name="engine"/>), then
    /// softmin. For bank task i, pass row i of D and <paramref name="self"/> = i to get row i of the
    /// bank's coefficients.
    /// </summary>
    public static double[] Row(CoefficientMlp mlp, ReadOnlySpan<double> distances, int self = -1, MlpEngine engine = MlpEngine.Sweep)
    {
        ArgumentNullException.ThrowIfNull(mlp);
        if (self < -1 || self >= distances.Length)
            throw new ArgumentOutOfRangeException(nameof(self), self, $"must be -1 or an index below {distances.Length}");
        var z = NormalizedVersion.StandardizeRow(distances);
        var inputs = new double[self < 0 ? z.Length : z.Length - 1];
        for (int j = 0, k = 0; j < z.Length; j++)
            if (j != self)
                inputs[k++] = (float)z[j];
        var outputs = Apply(mlp, inputs, engine);
        var scores = new double[z.Length];
        for (int j = 0, k = 0; j < z.Length; j++)
            scores[j] = j == self ? double.PositiveInfinity : outputs[k++];
        return Softmin.Row(scores, self);
    }

    /// <summary>f at each input by the chosen engine, with one thread per core.</summary>
    private static double[] Apply(CoefficientMlp mlp, double[] inputs, MlpEngine engine) => engine == MlpEngine.Dense
        ? DenseMlp.Evaluate(mlp, inputs, DenseMlp.ChunkRows(mlp.Hidden, new MlpOptions().ChunkBytes, mlp.DType))
        : SweepMlp.FromModule(mlp).Evaluate(inputs, Environment.ProcessorCount);

    /// <summary>f's outputs for the off-diagonal entries, row by row, as an N x N matrix; the diagonal is left 0 (softmin ignores it).</summary>
    private static double[,] Scores(double[] outputs, int n)
    {
        var scores = new double[n, n];
        var k = 0;
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
                if (i != j)
                    scores[i, j] = outputs[k++];
        return scores;
    }

    /// <summary>
    /// The entries [rows[a], rows[b]] for a ≠ b, row by row, as f's inputs: rounded to float32 as the
    /// paper's PyTorch tensors hold them (both engines see the same inputs). The diagonal is skipped:
    /// softmin gives it weight 0 whatever f says, so it has no effect on C or the loss.
    /// </summary>
    private static double[] OffDiagonal(double[,] matrix, IReadOnlyList<int> rows)
    {
        var m = rows.Count;
        var result = new double[m * (m - 1)];
        var k = 0;
        for (var a = 0; a < m; a++)
            for (var b = 0; b < m; b++)
                if (a != b)
                    result[k++] = (float)matrix[rows[a], rows[b]];
        return result;
    }

    /// <summary>
    /// The loss at f's outputs (off-diagonal, row by row, for m tasks) and, if asked, its gradient with
    /// respect to those outputs, in the same order. Computed in double: it is only m x m.
    /// </summary>
    internal static (double Loss, double[]? Upstream) LossAndUpstream(double[] outputs, int m, Tensor gram, long parameters, bool withGradient)
    {
        using var scope = NewDisposeScope();
        var values = new double[m * m];
        for (int a = 0, k = 0; a < m; a++)
            for (var b = 0; b < m; b++)
                if (a != b)
                    values[a * m + b] = outputs[k++];
        var scores = tensor(values, [m, m], ScalarType.Float64, requires_grad: withGradient);
        var loss = GramLoss.Loss(scores, gram, parameters);
        if (!withGradient)
            return (loss.item<double>(), null);
        loss.backward();
        var gradient = scores.grad!.data<double>().ToArray();
        var upstream = new double[m * (m - 1)];
        for (int a = 0, k = 0; a < m; a++)
            for (var b = 0; b < m; b++)
                if (a != b)
                    upstream[k++] = gradient[a * m + b];
        return (loss.item<double>(), upstream);
    }

    private static void CheckGram(double[,] gram, int n)
    {
        ArgumentNullException.ThrowIfNull(gram);
        if (gram.GetLength(0) != n || gram.GetLength(1) != n)
            throw new ArgumentException($"the Gram matrix must be {n} x {n} like the distances, got {gram.GetLength(0)} x {gram.GetLength(1)}", nameof(gram));
        foreach (var g in gram)
            if (!double.IsFinite(g))
                throw new ArgumentException($"the Gram matrix has a non-finite entry {g}", nameof(gram));
    }
}
