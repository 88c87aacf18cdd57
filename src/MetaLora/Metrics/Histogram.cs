using System.Runtime.Intrinsics;

namespace MetaLora.Metrics;

/// <summary>
/// Per-task preprocessing shared by KL, JS and WD: token counts, then one row per task of
/// NumPy-histogram densities (and their logs) or cumulative counts, computed once so the
/// O(N^2) pair loops only stream precomputed rows.
/// </summary>
/// <remarks>
/// Rows are padded to a multiple of <see cref="Lanes"/> so the SIMD pair kernels need no scalar tail.
/// Padding is chosen so a padded column contributes exactly zero to every metric.
/// </remarks>
internal static class Histogram
{
    /// <summary>Added to every density, as the reference does, so empty bins have a finite log.</summary>
    public const double Epsilon = 1e-10;

    /// <summary>Row padding granularity: the kernels consume two 512-bit vectors of doubles per step.</summary>
    public const int Lanes = 16;

    /// <summary>
    /// np.histogram(tokens, bins=np.arange(0, V)) has edges 0..V-1, hence V-1 bins; the last one,
    /// [V-2, V-1], is closed, so ids V-2 and V-1 share it.
    /// </summary>
    public static int BinCount(int vocabSize) => vocabSize - 1;

    public static int PaddedLength(int length) => (length + Lanes - 1) / Lanes * Lanes;

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
    /// Natural log of each element through <see cref="Log(Vector512{double})"/>, the routine the pair
    /// kernels use, so log p computed here and log m computed in JS agree bit for bit where p = m.
    /// </summary>
    public static void Log(ReadOnlySpan<double> x, Span<double> result)
    {
        var k = 0;
        for (; k + Vector512<double>.Count <= x.Length; k += Vector512<double>.Count)
            Log(Vector512.Create(x[k..])).CopyTo(result[k..]);
        for (; k < x.Length; k++)
            result[k] = Log(Vector512.Create(x[k])).GetElement(0);
    }

    private const double Ln2 = 0.69314718055994530942;
    private const ulong OneBits = 0x3FF0000000000000UL;
    private const ulong SqrtHalfBits = 0x3FE6A09E667F3BCDUL;

    /// <summary>
    /// Natural log of positive normal doubles, within 2 ulp (Math.Log's own libm is not vectorised, and
    /// Vector512.Log is markedly slower). x = 2^e m with m in [sqrt(1/2), sqrt(2)); with s = (m-1)/(m+1),
    /// log m = 2 atanh s = 2 (s + s^3/3 + ... + s^19/19), whose first omitted term is below 2^-53
    /// relative since s^2 &lt;= 0.0295. Zero, negative, subnormal and non-finite inputs are not handled:
    /// densities here are at least 1e-10.
    /// </summary>
    public static Vector512<double> Log(Vector512<double> x)
    {
        var bits = x.AsUInt64();
        // Biasing by 1 - sqrt(1/2) in bit space makes the exponent field round to the nearest power of two.
        var field = (bits + Vector512.Create(OneBits - SqrtHalfBits)) >>> 52;
        var m = (bits - (field << 52) + Vector512.Create(OneBits)).AsDouble();
        // e = field - 1023 as a double, exactly, without a 64-bit integer conversion instruction.
        var e = (field | Vector512.Create(0x4330000000000000UL)).AsDouble() - Vector512.Create(4503599627370496.0 + 1023);
        var f = m - Vector512<double>.One;
        var s = f / (Vector512.Create(2.0) + f);
        var z = s * s;
        var p = Vector512.Create(2.0 / 19);
        p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(2.0 / 17));
        p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(2.0 / 15));
        p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(2.0 / 13));
        p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(2.0 / 11));
        p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(2.0 / 9));
        p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(2.0 / 7));
        p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(2.0 / 5));
        p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(2.0 / 3));
        var logM = Vector512.FusedMultiplyAdd(s * z, p, s + s);
        return Vector512.FusedMultiplyAdd(e, Vector512.Create(Ln2), logM);
    }

    private static void ForEachTask(IReadOnlyList<int[]> tokens, int vocabSize, Action<int, int[]> body) =>
        Parallel.For(0, tokens.Count, () => new int[vocabSize], (i, _, counts) =>
        {
            Count(tokens[i], counts);
            body(i, counts);
            return counts;
        }, _ => { });
}
