using System.Runtime.CompilerServices;
using MetaLora.Repro.CodeIdentity;

namespace MetaLora.Distances;

/// <summary>
/// Jensen-Shannon divergence JS[i][j] = 0.5 sum p log(p/m) + 0.5 sum q log(q/m), m = (p+q)/2, between
/// histogram densities (see <see cref="Histogram.Densities"/>). Symmetric.
/// </summary>
[StageVariant(MetricNames.Parameter, MetricNames.JS)]
internal static class JS
{
    public static double[,] Matrix(IReadOnlyList<int[]> tokens, int vocabSize, IProgress<int>? progress, SimdWidth width) =>
        Lanes.Dispatch<MatrixAt, double[,]>(width, new(tokens, vocabSize, progress));

    private readonly struct MatrixAt(IReadOnlyList<int[]> tokens, int vocabSize, IProgress<int>? progress) : IWidthKernel<double[,]>
    {
        public double[,] Run<V>() where V : struct, IVector<V> => Matrix<V>(tokens, vocabSize, progress);
    }

    private static double[,] Matrix<V>(IReadOnlyList<int[]> tokens, int vocabSize, IProgress<int>? progress) where V : struct, IVector<V>
    {
        var (p, logP) = Histogram.Densities(tokens, vocabSize);
        var n = tokens.Count;
        var result = new double[n, n];
        PairTiles.Run(n, p[0].Length, (i, j, from, to) =>
            result[i, j] += Chunk<V>(p[i].AsSpan(from..to), logP[i].AsSpan(from..to), p[j].AsSpan(from..to), logP[j].AsSpan(from..to)), progress);
        for (var i = 0; i < n; i++)
            for (var j = i + 1; j < n; j++)
                result[j, i] = result[i, j] *= 0.5;
        return result;
    }

    /// <summary>
    /// sum p (log p - log m) + q (log q - log m) over a column chunk (without the factor 0.5): one log
    /// per bin, and no cancellation-prone regrouping. The length must be a multiple of
    /// <see cref="Histogram.BlockLanes"/>.
    /// </summary>
    public static double Chunk<V>(ReadOnlySpan<double> p, ReadOnlySpan<double> logP, ReadOnlySpan<double> q, ReadOnlySpan<double> logQ)
        where V : struct, IVector<V>
    {
        Histogram.CheckRows(p.Length, logP.Length, q.Length, logQ.Length);
        Span<double> lanes = stackalloc double[Histogram.BlockLanes];
        lanes.Clear();
        Lanes.Accumulate<V, Terms>(lanes, 0, p.Length, new(p, logP, q, logQ));
        return Lanes.Sum(lanes);
    }

    /// <summary>Terms p (log p - log m) + q (log q - log m).</summary>
    private readonly ref struct Terms(ReadOnlySpan<double> p, ReadOnlySpan<double> logP, ReadOnlySpan<double> q, ReadOnlySpan<double> logQ) : ISummand
    {
        private readonly ReadOnlySpan<double> _p = p;
        private readonly ReadOnlySpan<double> _logP = logP;
        private readonly ReadOnlySpan<double> _q = q;
        private readonly ReadOnlySpan<double> _logQ = logQ;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public V AddTo<V>(V sum, int offset) where V : struct, IVector<V>
        {
            var p = V.Load(_p, offset);
            var q = V.Load(_q, offset);
            var m = (p + q) * V.Create(0.5);
            // Bins empty in both tasks (p = q = m = 1e-10) add exactly zero (log m is bit for bit the log p
            // of Histogram.Densities): skip the logs. Exact, so skipping per vector keeps every width equal.
            if (V.EqualsAll(m, V.Create(Histogram.Epsilon)))
                return sum;
            var logM = Lanes.Log(m);
            sum = V.MultiplyAdd(p, V.Load(_logP, offset) - logM, sum);
            return V.MultiplyAdd(q, V.Load(_logQ, offset) - logM, sum);
        }
    }
}
