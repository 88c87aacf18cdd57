using System.Runtime.CompilerServices;
using MetaLora.Repro.CodeIdentity;

namespace MetaLora.Distances;

/// <summary>
/// 1-D Wasserstein-1 distance between the token ids of two tasks taken as numbers
/// (scipy.stats.wasserstein_distance): the integral of |F_i - F_j| over the empirical CDFs.
/// </summary>
/// <remarks>
/// On integer ids the integral is sum_k |C_i(k)/n_i - C_j(k)/n_j| over unit steps, with C the cumulative
/// counts. Scaled by n_i n_j every term is an integer, and while n_i n_j (V-1) &lt; 2^53 the products,
/// differences and sum are exact in double; the only rounding is the final division. So WD is the same
/// at every vector width and on every machine.
/// </remarks>
[StageVariant(MetricNames.Parameter, MetricNames.WD)]
internal static class WD
{
    public static double[,] Matrix(IReadOnlyList<int[]> tokens, int vocabSize, IProgress<int>? progress, SimdWidth width) =>
        Lanes.Dispatch<MatrixAt, double[,]>(width, new(tokens, vocabSize, progress));

    private readonly struct MatrixAt(IReadOnlyList<int[]> tokens, int vocabSize, IProgress<int>? progress) : IWidthKernel<double[,]>
    {
        public double[,] Run<V>() where V : struct, IVector<V> => Matrix<V>(tokens, vocabSize, progress);
    }

    private static double[,] Matrix<V>(IReadOnlyList<int[]> tokens, int vocabSize, IProgress<int>? progress) where V : struct, IVector<V>
    {
        var cumulative = Histogram.Cumulative(tokens, vocabSize);
        var n = tokens.Count;
        var result = new double[n, n];
        PairTiles.Run(n, cumulative[0].Length, (i, j, from, to) =>
            result[i, j] += Chunk<V>(cumulative[i].AsSpan(from..to), tokens[i].Length, cumulative[j].AsSpan(from..to), tokens[j].Length), progress);
        for (var i = 0; i < n; i++)
            for (var j = i + 1; j < n; j++)
                result[j, i] = result[i, j] /= (double)tokens[i].Length * tokens[j].Length;
        return result;
    }

    /// <summary>
    /// sum |C_i n_j - C_j n_i| over a column chunk, whose length must be a multiple of
    /// <see cref="Histogram.BlockLanes"/>.
    /// </summary>
    public static double Chunk<V>(ReadOnlySpan<double> cumulativeI, double countI, ReadOnlySpan<double> cumulativeJ, double countJ)
        where V : struct, IVector<V>
    {
        Histogram.CheckRows(cumulativeI.Length, cumulativeJ.Length);
        Span<double> lanes = stackalloc double[Histogram.BlockLanes];
        lanes.Clear();
        Lanes.Accumulate<V, Terms>(lanes, 0, cumulativeI.Length, new(cumulativeI, countI, cumulativeJ, countJ));
        return Lanes.Sum(lanes);
    }

    /// <summary>Terms |C_i n_j - C_j n_i|.</summary>
    private readonly ref struct Terms(ReadOnlySpan<double> cumulativeI, double countI, ReadOnlySpan<double> cumulativeJ, double countJ) : ISummand
    {
        private readonly ReadOnlySpan<double> _cumulativeI = cumulativeI;
        private readonly ReadOnlySpan<double> _cumulativeJ = cumulativeJ;
        private readonly double _countI = countI;
        private readonly double _countJ = countJ;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public V AddTo<V>(V sum, int offset) where V : struct, IVector<V> =>
            sum + V.Abs(V.Load(_cumulativeI, offset) * V.Create(_countJ) - V.Load(_cumulativeJ, offset) * V.Create(_countI));
    }
}
