using System.Runtime.CompilerServices;
using MetaLora.Repro.CodeIdentity;

namespace MetaLora.Distances;

/// <summary>
/// Kullback-Leibler divergence KL[i][j] = sum_k p_i[k] log(p_i[k] / p_j[k]) between histogram densities
/// (see <see cref="Histogram.Densities"/>). Asymmetric: row i is the dataset being adapted for.
/// </summary>
[StageVariant(MetricNames.Parameter, MetricNames.KL)]
internal static class KL
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
        {
            var (ij, ji) = Chunk<V>(p[i].AsSpan(from..to), logP[i].AsSpan(from..to), p[j].AsSpan(from..to), logP[j].AsSpan(from..to));
            result[i, j] += ij;
            result[j, i] += ji;
        }, progress);
        return result;
    }

    /// <summary>
    /// Both directions in one pass over a column chunk: with d = log p - log q, KL(p||q) = sum p d and
    /// KL(q||p) = -sum q d. log p - log q instead of log(p/q) moves the log out of the pair loop; it
    /// differs from the reference only by rounding (~1e-15 absolute). The length must be a multiple of
    /// <see cref="Histogram.BlockLanes"/>.
    /// </summary>
    public static (double PQ, double QP) Chunk<V>(ReadOnlySpan<double> p, ReadOnlySpan<double> logP, ReadOnlySpan<double> q, ReadOnlySpan<double> logQ)
        where V : struct, IVector<V>
    {
        Histogram.CheckRows(p.Length, logP.Length, q.Length, logQ.Length);
        Span<double> pq = stackalloc double[Histogram.BlockLanes];
        Span<double> qp = stackalloc double[Histogram.BlockLanes];
        pq.Clear();
        qp.Clear();
        Lanes.Accumulate<V, Terms>(pq, qp, 0, p.Length, new(p, logP, q, logQ));
        return (Lanes.Sum(pq), -Lanes.Sum(qp));
    }

    /// <summary>Terms p d and q d, d = log p - log q.</summary>
    private readonly ref struct Terms(ReadOnlySpan<double> p, ReadOnlySpan<double> logP, ReadOnlySpan<double> q, ReadOnlySpan<double> logQ) : ISummandPair
    {
        private readonly ReadOnlySpan<double> _p = p;
        private readonly ReadOnlySpan<double> _logP = logP;
        private readonly ReadOnlySpan<double> _q = q;
        private readonly ReadOnlySpan<double> _logQ = logQ;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void AddTo<V>(ref V pq, ref V qp, int offset) where V : struct, IVector<V>
        {
            var d = V.Load(_logP, offset) - V.Load(_logQ, offset);
            pq = V.MultiplyAdd(V.Load(_p, offset), d, pq);
            qp = V.MultiplyAdd(V.Load(_q, offset), d, qp);
        }
    }
}
