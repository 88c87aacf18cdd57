using System.Runtime.Intrinsics;

namespace MetaLora.Metrics;

/// <summary>
/// Jensen-Shannon divergence JS[i][j] = 0.5 sum p log(p/m) + 0.5 sum q log(q/m), m = (p+q)/2, between
/// histogram densities (see <see cref="Histogram.Densities"/>). Symmetric.
/// </summary>
internal static class JS
{
    public static double[,] Matrix(IReadOnlyList<int[]> tokens, int vocabSize, IProgress<int>? progress)
    {
        var (p, logP) = Histogram.Densities(tokens, vocabSize);
        var n = tokens.Count;
        var result = new double[n, n];
        PairTiles.Run(n, p[0].Length, (i, j, from, to) =>
            result[i, j] += Chunk(p[i].AsSpan(from..to), logP[i].AsSpan(from..to), p[j].AsSpan(from..to), logP[j].AsSpan(from..to)), progress);
        for (var i = 0; i < n; i++)
            for (var j = i + 1; j < n; j++)
                result[j, i] = result[i, j] *= 0.5;
        return result;
    }

    /// <summary>
    /// sum p (log p - log m) + q (log q - log m) over a column chunk (without the factor 0.5): one log
    /// per bin, and no cancellation-prone regrouping. Length must be a multiple of 16.
    /// </summary>
    public static double Chunk(ReadOnlySpan<double> p, ReadOnlySpan<double> logP, ReadOnlySpan<double> q, ReadOnlySpan<double> logQ)
    {
        var half = Vector512.Create(0.5);
        var empty = Vector512.Create(Histogram.Epsilon);
        var s0 = Vector512<double>.Zero;
        var s1 = Vector512<double>.Zero;
        for (var k = 0; k < p.Length; k += 16)
        {
            var p0 = Vector512.Create(p[k..]);
            var p1 = Vector512.Create(p[(k + 8)..]);
            var q0 = Vector512.Create(q[k..]);
            var q1 = Vector512.Create(q[(k + 8)..]);
            var m0 = (p0 + q0) * half;
            var m1 = (p1 + q1) * half;
            // Bins empty in both tasks (p = q = m = 1e-10) add exactly zero: skip the logs.
            if (Vector512.EqualsAll(m0, empty) && Vector512.EqualsAll(m1, empty))
                continue;
            var lm0 = Histogram.Log(m0);
            var lm1 = Histogram.Log(m1);
            s0 = Vector512.FusedMultiplyAdd(p0, Vector512.Create(logP[k..]) - lm0, s0);
            s1 = Vector512.FusedMultiplyAdd(p1, Vector512.Create(logP[(k + 8)..]) - lm1, s1);
            s0 = Vector512.FusedMultiplyAdd(q0, Vector512.Create(logQ[k..]) - lm0, s0);
            s1 = Vector512.FusedMultiplyAdd(q1, Vector512.Create(logQ[(k + 8)..]) - lm1, s1);
        }
        return PairTiles.Sum(s0, s1);
    }
}
