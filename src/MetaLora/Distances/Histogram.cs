namespace MetaLora.Distances;

/// <summary>
/// Per-task preprocessing shared by KL, JS and WD: token counts, then one row per task of
/// NumPy-histogram densities (and their logs) or cumulative counts, computed once so the
/// O(N^2) pair loops only stream precomputed rows.
/// </summary>
/// <remarks>
/// Rows are padded to a multiple of <see cref="BlockLanes"/> so the SIMD pair kernels need no scalar tail.
/// Padding is chosen so a padded column contributes exactly zero to every metric.
/// </remarks>
internal static class Histogram
{
    /// <summary>Added to every density, as the reference does, so empty bins have a finite log.</summary>
    public const double Epsilon = 1e-10;

    /// <summary>
    /// Row padding granularity, and the number of partial sums of the pair kernels (see
    /// <see cref="Lanes.Accumulate{V, TSummand}(Span{double}, int, int, TSummand)"/>): two 512-bit vectors.
    /// </summary>
    public const int BlockLanes = 16;

    /// <summary>
    /// np.histogram(tokens, bins=np.arange(0, V)) has edges 0..V-1, hence V-1 bins; the last one,
    /// [V-2, V-1], is closed, so ids V-2 and V-1 share it.
    /// </summary>
    public static int BinCount(int vocabSize) => vocabSize - 1;

    public static int PaddedLength(int length) => (length + BlockLanes - 1) / BlockLanes * BlockLanes;

    /// <summary>Occurrences of each id; ids must already be validated to lie in [0, counts.Length).</summary>
    public static void Count(ReadOnlySpan<int> tokens, Span<int> counts)
    {
        counts.Clear();
        foreach (var t in tokens)
            counts[t]++;
    }

    /// <summary>
    /// Densities p = count/n + 1e-10 per histogram bin (not renormalised, as in the reference) and log p.
    /// Padding holds p = 1e-10 with its log, the value of a bin empty in both tasks, which adds zero.
    /// </summary>
    public static (double[][] P, double[][] LogP) Densities(IReadOnlyList<int[]> tokens, int vocabSize)
    {
        var bins = BinCount(vocabSize);
        var width = PaddedLength(bins);
        var p = new double[tokens.Count][];
        var logP = new double[tokens.Count][];
        ForEachTask(tokens, vocabSize, (i, counts) =>
        {
            var row = new double[width];
            double n = tokens[i].Length;
            // count / 1.0 / total in NumPy: one rounding, the same as count / total here.
            for (var k = 0; k < bins - 1; k++)
                row[k] = counts[k] / n + Epsilon;
            row[bins - 1] = (counts[bins - 1] + counts[bins]) / n + Epsilon;
            row.AsSpan(bins).Fill(Epsilon);
            var log = new double[width];
            Log(row, log);
            p[i] = row;
            logP[i] = log;
        });
        return (p, logP);
    }

    /// <summary>
    /// Cumulative counts C(k) = #{tokens &lt;= k} for k = 0..V-2 (C(V-1) = n adds nothing to WD).
    /// Padding is zero for every task, so |C_i n_j - C_j n_i| is zero there.
    /// </summary>
    public static double[][] Cumulative(IReadOnlyList<int[]> tokens, int vocabSize)
    {
        var width = PaddedLength(vocabSize - 1);
        var rows = new double[tokens.Count][];
        ForEachTask(tokens, vocabSize, (i, counts) =>
        {
            var row = new double[width];
            long running = 0;
            for (var k = 0; k < vocabSize - 1; k++)
                row[k] = running += counts[k];
            rows[i] = row;
        });
        return rows;
    }

    /// <summary>
    /// Natural log of each element through <see cref="Lanes.Log{V}"/>, the routine the pair kernels use,
    /// so log p computed here and log m computed in JS agree bit for bit where p = m.
    /// </summary>
    public static void Log(ReadOnlySpan<double> x, Span<double> result) =>
        Lanes.Dispatch<LogAt, int>(Lanes.Widest, new(x, result));

    /// <summary><see cref="Log{V}"/> at the width chosen; returns the count of values written.</summary>
    private readonly ref struct LogAt(ReadOnlySpan<double> x, Span<double> result) : IWidthKernel<int>
    {
        private readonly ReadOnlySpan<double> _x = x;
        private readonly Span<double> _result = result;

        public int Run<V>() where V : struct, IVector<V>
        {
            Log<V>(_x, _result);
            return _x.Length;
        }
    }

    /// <summary>As above, in vectors V; the same bits for every V.</summary>
    public static void Log<V>(ReadOnlySpan<double> x, Span<double> result) where V : struct, IVector<V>
    {
        if (result.Length < x.Length)
            throw new ArgumentException("result is shorter than the input", nameof(result));
        var k = 0;
        for (; k + V.Count <= x.Length; k += V.Count)
            V.Store(Lanes.Log(V.Load(x, k)), result, k);
        // Lane-wise maths: the scalar tail gives the same bits as a vector lane would.
        for (; k < x.Length; k++)
            result[k] = Lanes.Log(new Scalar(x[k])).Value;
    }

    /// <summary>
    /// Throws unless the pair kernels' rows have one length, a multiple of <see cref="BlockLanes"/>: the
    /// kernels then load whole vectors without bounds checks.
    /// </summary>
    public static void CheckRows(int length, params ReadOnlySpan<int> others)
    {
        if (length % BlockLanes != 0)
            throw new ArgumentException($"row length {length} is not a multiple of {BlockLanes}");
        foreach (var other in others)
            if (other != length)
                throw new ArgumentException($"rows have different lengths ({length} and {other})");
    }

    private static void ForEachTask(IReadOnlyList<int[]> tokens, int vocabSize, Action<int, int[]> body) =>
        Parallel.For(0, tokens.Count, () => new int[vocabSize], (i, _, counts) =>
        {
            Count(tokens[i], counts);
            body(i, counts);
            return counts;
        }, _ => { });
}
