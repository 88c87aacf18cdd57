using System.Runtime.Intrinsics;

namespace MetaLora.Metrics;

/// <summary>
/// 1-D Wasserstein-1 distance between the token ids of two tasks taken as numbers
/// (scipy.stats.wasserstein_distance): the integral of |F_i - F_j| over the empirical CDFs.
/// </summary>
/// <remarks>
/// On integer ids the integral is sum_k |C_i(k)/n_i - C_j(k)/n_j| over unit steps, with C the cumulative
/// counts. Scaled by n_i n_j every term is an integer, and while n_i n_j (V-1) &lt; 2^53 the products,
/// differences and sum are exact in double; the only rounding is the final division.
/// </remarks>
internal static class WD
{
    public static double[,] Matrix(IReadOnlyList<int[]> tokens, int vocabSize, IProgress<int>? progress)
    {
        var cumulative = Histogram.Cumulative(tokens, vocabSize);
        var n = tokens.Count;
        var result = new double[n, n];
        PairTiles.Run(n, cumulative[0].Length, (i, j, from, to) =>
            result[i, j] += Chunk(cumulative[i].AsSpan(from..to), tokens[i].Length, cumulative[j].AsSpan(from..to), tokens[j].Length), progress);
        for (var i = 0; i < n; i++)
            for (var j = i + 1; j < n; j++)
                result[j, i] = result[i, j] /= (double)tokens[i].Length * tokens[j].Length;
        return result;
    }

    /// <summary>sum |C_i n_j - C_j n_i| over a column chunk. Length must be a multiple of 16.</summary>
    public static double Chunk(ReadOnlySpan<double> cumulativeI, double countI, ReadOnlySpan<double> cumulativeJ, double countJ)
    {
        var ni = Vector512.Create(countI);
        var nj = Vector512.Create(countJ);
        var s0 = Vector512<double>.Zero;
        var s1 = Vector512<double>.Zero;
        for (var k = 0; k < cumulativeI.Length; k += 16)
        {
            s0 += Vector512.Abs(Vector512.Create(cumulativeI[k..]) * nj - Vector512.Create(cumulativeJ[k..]) * ni);
            s1 += Vector512.Abs(Vector512.Create(cumulativeI[(k + 8)..]) * nj - Vector512.Create(cumulativeJ[(k + 8)..]) * ni);
        }
        return PairTiles.Sum(s0, s1);
    }
}
