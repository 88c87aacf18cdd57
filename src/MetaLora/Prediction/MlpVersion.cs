using MetaLora.Pipeline;
using TorchSharp;
using static TorchSharp.torch;

namespace MetaLora.Prediction;

/// <summary>Settings of <see cref="MlpVersion.Train"/>; the defaults are the paper's.</summary>
public sealed record MlpOptions
{
    /// <summary>Hidden width H of f.</summary>
    public int Hidden { get; init; } = 4000;

    /// <summary>Full-batch Adam steps.</summary>
    public int Steps { get; init; } = 40;

    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Share of the bank's tasks that f is trained on; the rest are held out.</summary>
    public double TrainFraction { get; init; } = 0.8;

    /// <summary>Seeds both the split and torch's generator (parameter init).</summary>
    public ulong Seed { get; init; }

    /// <summary>torch's intra-op threads during training; 0 means one per core.</summary>
    public int Threads { get; init; }

    /// <summary>About how much memory one chunk of f's inputs may take while it is differentiated.</summary>
    public long ChunkBytes { get; init; } = 256L << 20;

    /// <summary>
    /// Where training saves its state (f, Adam's moments, the losses so far) every
    /// <see cref="CheckpointSeconds"/>, and resumes from if the same training was interrupted; null: never.
    /// Deleted when training completes.
    /// </summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Least time between two checkpoints: each one writes f and Adam's state (about 200 MB at H = 4000).</summary>
    public double CheckpointSeconds { get; init; } = 120;

    internal void Validate()
    {
        if (Hidden < 1) throw new BadInputException($"mlp_version: the hidden width must be at least 1, got {Hidden}");
        if (Steps < 0) throw new BadInputException($"mlp_version: the number of steps must be at least 0, got {Steps}");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate))
            throw new BadInputException($"mlp_version: the learning rate must be a positive number, got {LearningRate}");
        if (!(TrainFraction > 0 && TrainFraction <= 1))
            throw new BadInputException($"mlp_version: the train fraction must be in (0, 1], got {TrainFraction}");
        if (Threads < 0) throw new BadInputException($"mlp_version: the thread count must be 0 (all cores) or more, got {Threads}");
        if (ChunkBytes < 1) throw new BadInputException($"mlp_version: the chunk size must be at least 1 byte, got {ChunkBytes}");
        if (!(CheckpointSeconds >= 0)) throw new BadInputException($"mlp_version: the checkpoint interval must be 0 or more seconds, got {CheckpointSeconds}");
    }
}

/// <summary>Which bank tasks f was trained on and which were held out; both ascending.</summary>
public sealed class TaskSplit(IReadOnlyList<int> train, IReadOnlyList<int> heldOut)
{
    public IReadOnlyList<int> Train { get; } = train;
    public IReadOnlyList<int> HeldOut { get; } = heldOut;

    /// <summary>floor(fraction · N): 401 of the paper's 502 tasks (the tolerance absorbs 0.8 · 10 = 7.999...).</summary>
    public static int TrainCount(int tasks, double trainFraction) => (int)Math.Floor(trainFraction * tasks + 1e-9);

    /// <summary>A seeded Fisher–Yates shuffle of 0..N-1; its first <see cref="TrainCount"/> tasks are the train split.</summary>
    public static TaskSplit Draw(int tasks, double trainFraction, ulong seed)
    {
        var order = Enumerable.Range(0, tasks).ToArray();
        var random = new SplitMix64Stream(seed);
        for (var k = tasks - 1; k > 0; k--)
        {
            var other = random.NextBelow(k + 1);
            (order[k], order[other]) = (order[other], order[k]);
        }
        var count = TrainCount(tasks, trainFraction);
        return new TaskSplit(order[..count].Order().ToArray(), order[count..].Order().ToArray());
    }

    /// <summary>
    /// SplitMix64 (Steele, Lea, Flood 2014), specified bit for bit, unlike System.Random's seeded
    /// algorithms. Written out here so the split depends on this file alone.
    /// </summary>
    private struct SplitMix64Stream(ulong seed)
    {
        private ulong _state = seed;

        public ulong Next()
        {
            var z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        /// <summary>Uniform in [0, bound) without modulo bias (Lemire's multiply-and-reject).</summary>
        public int NextBelow(int bound)
        {
            var range = (ulong)bound;
            var high = Math.BigMul(Next(), range, out var low);
            if (low < range)
            {
                var threshold = (0 - range) % range;
                while (low < threshold)
                    high = Math.BigMul(Next(), range, out low);
            }
            return (int)high;
        }
    }
}

/// <summary>What training produced: the coefficients for the whole bank, the loss log, the split and f.</summary>
public sealed class MlpTraining(double[,] coefficients, IReadOnlyList<double> losses, TaskSplit split, CoefficientMlp mlp) : IDisposable
{
    /// <summary>C = softmin(f(Z)) over the whole bank, N x N, with C[i][i] = 0.</summary>
    public double[,] Coefficients { get; } = coefficients;

    /// <summary>Losses[t] is the loss at the parameters step t started from; the last entry is after the last step.</summary>
    public IReadOnlyList<double> Losses { get; } = losses;

    public TaskSplit Split { get; } = split;

    /// <summary>The trained f (owned: disposed with this object).</summary>
    public CoefficientMlp Mlp { get; } = mlp;

    /// <inheritdoc cref="MlpVersion.Row"/>
    public double[] Row(ReadOnlySpan<double> distances, int self = -1) => MlpVersion.Row(Mlp, distances, self);

    public void Dispose() => Mlp.Dispose();
}

/// <summary>
/// The paper's mlp_version: C = softmin(f(Z)), Z the row-standardised distances (as in
/// normalized_version) and f a small MLP applied to each entry, trained so that mixing the train
/// tasks' adapters with C reproduces them: minimise MSE(softmin(f(Z_train)) A_train, A_train).
/// </summary>
[StageVariant("model", "mlp_version")]
public static class MlpVersion
{
    /// <summary>
    /// Trains f on a seeded split of the bank and returns the coefficients for all N tasks.
    /// <paramref name="gram"/> is G = A Aᵀ for the flattened adapters A (one row per task) and
    /// <paramref name="parameters"/> is P, the length of a row of A: the loss needs nothing else, since
    /// ‖(C − I) A‖²_F = trace((C − I) G (C − I)ᵀ). Same inputs, options and thread count give the
    /// same coefficients bit for bit.
    /// </summary>
    public static MlpTraining Train(double[,] distances, double[,] gram, long parameters, MlpOptions? options = null, IProgress<int>? progress = null)
    {
        options ??= new MlpOptions();
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

        var threadsBefore = get_num_threads();
        set_num_threads(options.Threads == 0 ? Environment.ProcessorCount : options.Threads);
        try
        {
            manual_seed(unchecked((long)options.Seed));
            var mlp = new CoefficientMlp(options.Hidden);
            try
            {
                var chunk = CoefficientMlp.ChunkRows(options.Hidden, options.ChunkBytes);
                using var gramTensor = from_array(trainGram);
                using var adam = optim.Adam(mlp.parameters(), options.LearningRate);
                var losses = new List<double>(options.Steps + 1);
                var checkpoint = options.CheckpointPath is { } path ? new MlpCheckpoint(path, MlpCheckpoint.Key(distances, gram, parameters, options)) : null;
                var first = checkpoint?.TryResume(mlp, adam, losses) ?? 0;
                if (first > 0) progress?.Report(first);
                var lastSave = System.Diagnostics.Stopwatch.StartNew();
                for (var step = first; step < options.Steps; step++)
                {
                    // f at the current parameters, the loss, and ∂loss/∂f: cheap (n_train² entries);
                    // then the parameters' gradient chunk by chunk from that upstream gradient.
                    var outputs = mlp.Evaluate(trainInputs, chunk);
                    var (loss, upstream) = LossAndUpstream(outputs, train.Count, gramTensor, parameters, withGradient: true);
                    losses.Add(loss);
                    adam.zero_grad();
                    mlp.AccumulateGradient(trainInputs, upstream!, chunk);
                    adam.step();
                    if (checkpoint is not null && step + 1 < options.Steps && lastSave.Elapsed.TotalSeconds >= options.CheckpointSeconds)
                    {
                        checkpoint.Save(mlp, adam, losses);
                        lastSave.Restart();
                    }
                    progress?.Report(step + 1);
                }
                checkpoint?.Delete();

                var scores = Scores(mlp, z, chunk);
                var finalOutputs = OffDiagonal(scores, train);
                losses.Add(LossAndUpstream(finalOutputs, train.Count, gramTensor, parameters, withGradient: false).Loss);
                return new MlpTraining(Softmin.Rows(scores), losses, split, mlp);
            }
            catch
            {
                mlp.Dispose();
                throw;
            }
        }
        finally
        {
            set_num_threads(threadsBefore);
        }
    }

    /// <summary>C = softmin(f(Z)) for these distances with a trained f; C[i][i] = 0.</summary>
    public static double[,] Coefficients(CoefficientMlp mlp, double[,] distances, long chunkBytes = 256L << 20)
    {
        ArgumentNullException.ThrowIfNull(mlp);
        var z = NormalizedVersion.Standardize(distances);
        return Softmin.Rows(Scores(mlp, z, CoefficientMlp.ChunkRows(mlp.Hidden, chunkBytes)));
    }

    /// <summary>
    /// Coefficients over the N bank tasks for a dataset with these distances to them: the row is
    /// standardised over all its entries, f is applied to each, then softmin. For bank task i, pass row
    /// i of D and <paramref name="self"/> = i to get row i of the bank's coefficients.
    /// </summary>
    public static double[] Row(CoefficientMlp mlp, ReadOnlySpan<double> distances, int self = -1)
    {
        ArgumentNullException.ThrowIfNull(mlp);
        if (self < -1 || self >= distances.Length)
            throw new ArgumentOutOfRangeException(nameof(self), self, $"must be -1 or an index below {distances.Length}");
        var z = NormalizedVersion.StandardizeRow(distances);
        var inputs = new float[self < 0 ? z.Length : z.Length - 1];
        for (int j = 0, k = 0; j < z.Length; j++)
            if (j != self)
                inputs[k++] = (float)z[j];
        var outputs = mlp.Evaluate(inputs, CoefficientMlp.ChunkRows(mlp.Hidden, 256L << 20));
        var scores = new double[z.Length];
        for (int j = 0, k = 0; j < z.Length; j++)
            scores[j] = j == self ? double.PositiveInfinity : outputs[k++];
        return Softmin.Row(scores, self);
    }

    /// <summary>f(Z) off the diagonal, as doubles; the diagonal is left 0 (softmin ignores it).</summary>
    private static double[,] Scores(CoefficientMlp mlp, double[,] z, int chunk)
    {
        var n = z.GetLength(0);
        var all = Enumerable.Range(0, n).ToArray();
        var outputs = mlp.Evaluate(OffDiagonal(z, all), chunk);
        var scores = new double[n, n];
        var k = 0;
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
                if (i != j)
                    scores[i, j] = outputs[k++];
        return scores;
    }

    /// <summary>
    /// The entries [rows[a], rows[b]] for a ≠ b, row by row, as f's float32 inputs. The diagonal is
    /// skipped: softmin gives it weight 0 whatever f says, so it has no effect on C or the loss.
    /// </summary>
    private static float[] OffDiagonal(double[,] matrix, IReadOnlyList<int> rows)
    {
        var m = rows.Count;
        var result = new float[m * (m - 1)];
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
    private static (double Loss, float[]? Upstream) LossAndUpstream(float[] outputs, int m, Tensor gram, long parameters, bool withGradient)
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
        var upstream = new float[m * (m - 1)];
        for (int a = 0, k = 0; a < m; a++)
            for (var b = 0; b < m; b++)
                if (a != b)
                    upstream[k++] = (float)gradient[a * m + b];
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

/// <summary>
/// MSE(C A, A) over the n x P entries, from G = A Aᵀ alone: ‖(C − I) A‖²_F = trace((C − I) G (C − I)ᵀ),
/// so the adapters (millions of parameters each) never enter the training loop.
/// </summary>
internal static class GramLoss
{
    /// <summary>C = softmin of each row of <paramref name="scores"/> with the diagonal at +inf (differentiable).</summary>
    public static Tensor Coefficients(Tensor scores)
    {
        using var scope = NewDisposeScope();
        var n = scores.shape[0];
        var diagonal = eye(n, dtype: ScalarType.Bool);
        return (-scores.masked_fill(diagonal, double.PositiveInfinity)).softmax(1).MoveToOuterDisposeScope();
    }

    /// <summary>trace((C − I) G (C − I)ᵀ) / (n · P) with C = <see cref="Coefficients"/>(scores).</summary>
    public static Tensor Loss(Tensor scores, Tensor gram, long parameters)
    {
        using var scope = NewDisposeScope();
        var n = scores.shape[0];
        var residual = Coefficients(scores) - eye(n, dtype: scores.dtype);
        // trace(M G Mᵀ) = Σ_ij (M G)_ij M_ij, without forming the n x n product's transpose.
        return ((residual.matmul(gram) * residual).sum() / ((double)n * parameters)).MoveToOuterDisposeScope();
    }
}
