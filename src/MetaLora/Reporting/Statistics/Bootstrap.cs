using MetaLora.Repro;


namespace MetaLora.Reporting.Statistics;

/// <summary>
/// Percentile bootstrap over tasks: <see cref="Resamples"/> times, n tasks are drawn with replacement
/// (xoshiro256** from the fixed <see cref="Seed"/>, so every machine draws the same indices and every
/// comparison with n tasks the same index sets), each resample's mean is taken (summed in draw order),
/// and the interval is the 2.5th and 97.5th percentile of those means by NumPy's default ("linear")
/// rule, <see cref="Percentile"/>. Same input, same bits.
/// </summary>
internal static class Bootstrap
{
    public const int Resamples = 10_000;
    public const double Confidence = 0.95;
    public const ulong Seed = 20241207;
    public const string Method = "paired percentile bootstrap over tasks";

    // (1 - 0.95) / 2 in floating point is 0.025000000000000022; NumPy's percentile(…, 2.5) uses 2.5 / 100.
    private const double LowerLevel = 0.025;
    private const double UpperLevel = 0.975;

    /// <summary>The interval of mean(x - y) over paired values (x[t] and y[t] from the same task).</summary>
    public static Interval Paired(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (x.Length != y.Length) throw new ArgumentException($"paired samples differ in length ({x.Length} and {y.Length})", nameof(y));
        var d = new double[x.Length];
        for (var t = 0; t < d.Length; t++) d[t] = x[t] - y[t];
        return Mean(d);
    }

    /// <summary>The interval of mean(values).</summary>
    public static Interval Mean(ReadOnlySpan<double> values)
    {
        var means = ResampleMeans(values);
        Array.Sort(means);
        return new Interval(Percentile(means, LowerLevel), Percentile(means, UpperLevel));
    }

    /// <summary>The means of the <see cref="Resamples"/> resamples, in the order they are drawn.</summary>
    internal static double[] ResampleMeans(ReadOnlySpan<double> values)
    {
        if (values.Length == 0) throw new ArgumentException("no values to resample", nameof(values));
        var n = values.Length;
        var indices = IndexSets.GetOrAdd(n, Draw);
        var means = new double[Resamples];
        for (var b = 0; b < means.Length; b++)
        {
            var sum = 0.0;
            foreach (var i in indices.AsSpan(b * n, n)) sum += values[i];
            means[b] = sum / n;
        }
        return means;
    }

    // Every comparison over n tasks resamples the same index sets, so they are drawn once per n (a
    // summary of 14 pipelines makes about 40 comparisons; 502 tasks take 20 MB).
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, int[]> IndexSets = new();

    private static int[] Draw(int n)
    {
        var rng = new Xoshiro256(Seed);
        var indices = new int[Resamples * n];
        for (var k = 0; k < indices.Length; k++) indices[k] = (int)rng.NextBelow((ulong)n);
        return indices;
    }

    /// <summary>
    /// NumPy's default percentile of sorted values at level q in [0, 1] (<c>np.quantile(a, q)</c>, "linear"):
    /// the virtual index h = (n - 1) q, and between its neighbours a = s[floor h], b = s[floor h + 1]
    /// with g = h - floor h: a + (b - a) g when g &lt; 0.5, else b - (b - a)(1 - g) (NumPy's own two forms).
    /// </summary>
    internal static double Percentile(double[] sorted, double q)
    {
        var h = (sorted.Length - 1) * q;
        if (h >= sorted.Length - 1) return sorted[^1];
        var below = Math.Floor(h);
        var g = h - below;
        var a = sorted[(int)below];
        var b = sorted[(int)below + 1];
        var diff = b - a;
        return g >= 0.5 ? b - diff * (1 - g) : a + diff * g;
    }
}
