using System.Numerics.Tensors;

namespace MetaLora.Metrics;

/// <summary>All-pairs distances between tasks given as token-id arrays.</summary>
public static class DistanceMatrix
{
    /// <summary>
    /// The N x N matrix of <paramref name="metric"/> between every pair of tasks, computed in parallel.
    /// Entry [i, j] is the distance of task i from task j (only KL is asymmetric); the diagonal is 0.
    /// Results are bit-identical whatever the number of threads: every entry is summed by one thread
    /// in a fixed order.
    /// </summary>
    /// <param name="metric">The distance to compute.</param>
    /// <param name="tokens">Each task's token ids, all below <paramref name="vocabSize"/>.</param>
    /// <param name="names">Each task's name, in the order of <paramref name="tokens"/>.</param>
    /// <param name="vocabSize">Size of the tokenizer's vocabulary: the histograms' length.</param>
    /// <param name="seed">Seeds MMD's sampling (with the two task names); other metrics ignore it.</param>
    /// <param name="progress">Receives rows done so far, rising to N (work is done in tiles, so this is the
    /// equivalent number of rows rather than specific rows).</param>
    public static double[,] Compute(Metric metric, IReadOnlyList<int[]> tokens, IReadOnlyList<string> names, int vocabSize, ulong seed, IProgress<int>? progress = null) =>
        Compute(metric, tokens, names, vocabSize, seed, Lanes.Widest, progress);

    /// <summary>
    /// As above, with the kernels running on vectors of <paramref name="width"/> (which should run natively
    /// here, see <see cref="Lanes.Available"/>); the width only changes speed, see <see cref="Lanes.Accumulate{V, TSummand}(Span{double}, int, int, TSummand)"/>.
    /// </summary>
    internal static double[,] Compute(Metric metric, IReadOnlyList<int[]> tokens, IReadOnlyList<string> names, int vocabSize, ulong seed, SimdWidth width, IProgress<int>? progress = null)
    {
        Validate(tokens, names, vocabSize);
        if (tokens.Count == 0)
            return new double[0, 0];
        return metric switch
        {
            Metric.WD => WD.Matrix(tokens, vocabSize, progress, width),
            Metric.KL => KL.Matrix(tokens, vocabSize, progress, width),
            Metric.JS => JS.Matrix(tokens, vocabSize, progress, width),
            Metric.MMD => MMD.Matrix(tokens, names, vocabSize, seed, progress, width),
            _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, null),
        };
    }

    private static void Validate(IReadOnlyList<int[]> tokens, IReadOnlyList<string> names, int vocabSize)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(names);
        if (tokens.Count != names.Count)
            throw new ArgumentException($"{tokens.Count} token arrays but {names.Count} names", nameof(names));
        if (vocabSize < 2)
            throw new BadInputException($"vocabulary size must be at least 2, got {vocabSize}");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < tokens.Count; i++)
        {
            var name = names[i];
            if (!seen.Add(name))
                throw new BadInputException($"task name '{name}' occurs more than once");
            var ids = tokens[i];
            if (ids is null || ids.Length == 0)
                throw new BadInputException($"task '{name}' has no tokens");
            var at = OutsideVocabulary(ids, vocabSize);
            if (at >= 0)
                throw new BadInputException($"task '{name}': token id {ids[at]} at position {at} is outside the vocabulary [0, {vocabSize})");
        }
    }

    /// <summary>The position of the first id outside [0, <paramref name="vocabSize"/>), or -1.</summary>
    public static int OutsideVocabulary(ReadOnlySpan<int> ids, int vocabSize)
    {
        // Vectorised min/max first; the slow scan only runs to name the culprit.
        if (ids.IsEmpty || (TensorPrimitives.Min(ids) >= 0 && TensorPrimitives.Max(ids) < vocabSize))
            return -1;
        for (var i = 0; i < ids.Length; i++)
            if (ids[i] < 0 || ids[i] >= vocabSize) return i;
        return -1;
    }
}

/// <summary>
/// Runs a kernel over every pair i &lt; j, cache-blocked: pairs are grouped into tiles of
/// <see cref="Block"/> x <see cref="Block"/> tasks and columns into chunks of <see cref="Chunk"/>, so a
/// tile's row chunks stay in L2 while they are reused by every pair of the tile. Tiles run in parallel;
/// each pair belongs to one tile and sees its chunks in ascending order, so sums are deterministic.
/// </summary>
internal static class PairTiles
{
    public const int Block = 32;
    public const int Chunk = 1024;

    /// <summary>Calls <paramref name="pair"/>(i, j, from, to) for each pair i &lt; j and each column chunk.</summary>
    public static void Run(int n, int columns, Action<int, int, int, int> pair, IProgress<int>? progress) =>
        Run(n, columns, static () => 0, (i, j, from, to, _) => pair(i, j, from, to), progress);

    /// <summary>As above, with per-thread scratch state made by <paramref name="init"/>.</summary>
    public static void Run<TLocal>(int n, int columns, Func<TLocal> init, Action<int, int, int, int, TLocal> pair, IProgress<int>? progress)
    {
        var blocks = (n + Block - 1) / Block;
        var tiles = new List<(int I, int J)>();
        for (var bi = 0; bi < blocks; bi++)
            for (var bj = bi; bj < blocks; bj++)
                tiles.Add((bi, bj));
        var total = (long)n * (n - 1) / 2;
        long done = 0;
        var gate = new object();
        Parallel.For(0, tiles.Count, init, (t, _, local) =>
        {
            var (bi, bj) = tiles[t];
            int i0 = bi * Block, i1 = Math.Min(n, i0 + Block), j0 = bj * Block, j1 = Math.Min(n, j0 + Block);
            for (var from = 0; from < columns; from += Chunk)
            {
                var to = Math.Min(columns, from + Chunk);
                for (var i = i0; i < i1; i++)
                    for (var j = Math.Max(j0, i + 1); j < j1; j++)
                        pair(i, j, from, to, local);
            }
            if (progress is not null)
            {
                long pairs = 0;
                for (var i = i0; i < i1; i++)
                    pairs += Math.Max(0, j1 - Math.Max(j0, i + 1));
                // Under the lock so reported values never go backwards.
                lock (gate)
                {
                    done += pairs;
                    progress.Report((int)(done * n / total));
                }
            }
            return local;
        }, static _ => { });
        if (total == 0)
            progress?.Report(n);
    }
}
