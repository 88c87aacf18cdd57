using System.Runtime.Intrinsics;

namespace MetaLora.Metrics;

/// <summary>
/// Kullback-Leibler divergence KL[i][j] = sum_k p_i[k] log(p_i[k] / p_j[k]) between histogram densities
/// (see <see cref="Histogram.Densities"/>). Asymmetric: row i is the dataset being adapted for.
/// </summary>
internal static class KL
{
    public static double[,] Matrix(IReadOnlyList<int[]> tokens, int vocabSize, IProgress<int>? progress)
    {
        var (p, logP) = Histogram.Densities(tokens, vocabSize);
        var n = tokens.Count;
        var result = new double[n, n];
        PairTiles.Run(n, p[0].Length, (i, j, from, to) =>
        {
            var (ij, ji) = Chunk(p[i].AsSpan(from..to), logP[i].AsSpan(from..to), p[j].AsSpan(from..to), logP[j].AsSpan(from..to));
            result[i, j] += ij;
            result[j, i] += ji;
        }, progress);
        return result;
    }

    /// <summary>
    /// Both directions in one pass over a column chunk: with d = log p - log q, KL(p||q) = sum p d and
    /// KL(q||p) = -sum q d. log p - log q instead of log(p/q) moves the log out of the pair loop; it
    /// differs from the reference only by rounding (~1e-15 absolute). Length must be a multiple of 16.
    /// </summary>
    public static (double PQ, double QP) Chunk(ReadOnlySpan<double> p, ReadOnlySpan<double> logP, ReadOnlySpan<double> q, ReadOnlySpan<double> logQ)
    {
        var pq0 = Vector512<double>.Zero;
        var pq1 = Vector512<double>.Zero;
        var qp0 = Vector512<double>.Zero;
        var qp1 = Vector512<double>.Zero;
        for (var k = 0; k < p.Length; k += 16)
        {
            var d0 = Vector512.Create(logP[k..]) - Vector512.Create(logQ[k..]);
            var d1 = Vector512.Create(logP[(k + 8)..]) - Vector512.Create(logQ[(k + 8)..]);
            pq0 = Vector512.FusedMultiplyAdd(Vector512.Create(p[k..]), d0, pq0);
            pq1 = Vector512.FusedMultiplyAdd(Vector512.Create(p[(k + 8)..]), d1, pq1);
            qp0 = Vector512.FusedMultiplyAdd(Vector512.Create(q[k..]), d0, qp0);
            qp1 = Vector512.FusedMultiplyAdd(Vector512.Create(q[(k + 8)..]), d1, qp1);
        }
        return (PairTiles.Sum(pq0, pq1), -PairTiles.Sum(qp0, qp1));
    }
}
