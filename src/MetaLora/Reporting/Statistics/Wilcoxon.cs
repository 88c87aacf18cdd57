namespace MetaLora.Reporting.Statistics;

/// <summary>
/// The Wilcoxon signed-rank test of paired values, two-sided, as <c>scipy.stats.wilcoxon(x, y)</c>
/// with its defaults in SciPy 1.10 (zero_method "wilcox", no continuity correction, method "auto"):
/// <list type="bullet">
/// <item>up to <see cref="ExactUpTo"/> pairs and no zero difference: the exact null distribution of R+
/// (ranks of |d|, ties averaged); like SciPy, a tied (half-integer) R+ is truncated to an integer
/// before the tails are summed (so there p depends on which sample is x, as SciPy's does; the summary
/// passes the pipeline, or the best pipeline, as x), and R+ at the distribution's centre gives p = 1;</item>
/// <item>otherwise the normal approximation over the non-zero differences, with the tie correction
/// of the variance: z = (T - n(n+1)/4) / sqrt((n(n+1)(2n+1) - Σ(t³ - t)/2) / 24), p = 2 P(Z &gt; |z|).</item>
/// </list>
/// Where SciPy gives no result this returns one: no pairs give null (SciPy: NaN); all differences
/// zero give statistic 0 and p = 1, no evidence of a difference (SciPy raises ValueError).
/// </summary>
internal static class Wilcoxon
{
    public const int ExactUpTo = 50;

    public static WilcoxonResult? Test(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (x.Length != y.Length) throw new ArgumentException($"paired samples differ in length ({x.Length} and {y.Length})", nameof(y));
        if (x.Length == 0) return null;
        var all = new double[x.Length];
        for (var t = 0; t < all.Length; t++) all[t] = x[t] - y[t];
        var d = all.Where(v => v != 0).ToArray();
        if (d.Length == 0) return new WilcoxonResult(0, 1);
        var exact = all.Length <= ExactUpTo && d.Length == all.Length;

        var ranks = AverageRanks(d.Select(Math.Abs).ToArray(), out var tieTerm);
        double plus = 0, minus = 0;
        for (var i = 0; i < d.Length; i++)
            if (d[i] > 0) plus += ranks[i];
            else minus += ranks[i];
        var statistic = Math.Min(plus, minus);
        return new WilcoxonResult(statistic, exact ? ExactP(d.Length, plus) : ApproximateP(d.Length, statistic, tieTerm));
    }

    /// <summary>Two-sided p from the exact distribution of R+ over the 2^n sign patterns (counted in integers, so the tails are exact).</summary>
    private static double ExactP(int n, double plus)
    {
        var max = n * (n + 1) / 2;
        var counts = new long[max + 1];
        counts[0] = 1;
        for (var k = 1; k <= n; k++)
            for (var s = k * (k + 1) / 2; s >= k; s--)
                counts[s] += counts[s - k];
        var r = (int)plus; // SciPy's int(r_plus): a tied R+ of 8.5 counts as 8
        if (r == max / 2) return 1.0;
        long below = 0, above = 0;
        for (var s = 0; s <= r; s++) below += counts[s];
        for (var s = r; s <= max; s++) above += counts[s];
        return Math.Clamp(2 * Math.ScaleB(Math.Min(below, above), -n), 0, 1);
    }

    private static double ApproximateP(int n, double statistic, long tieTerm)
    {
        var mean = n * (n + 1.0) * 0.25;
        var variance = n * (n + 1.0) * (2.0 * n + 1.0);
        variance -= 0.5 * tieTerm;
        var z = (statistic - mean) / Math.Sqrt(variance / 24);
        return NormalTail.TwoSided(z);
    }

    /// <summary>Ranks 1..n of the values, ties given their average rank; <paramref name="tieTerm"/> = Σ t(t² - 1) over groups of t tied values.</summary>
    internal static double[] AverageRanks(double[] values, out long tieTerm)
    {
        var order = Enumerable.Range(0, values.Length).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Length];
        tieTerm = 0;
        for (var start = 0; start < order.Length;)
        {
            var end = start + 1;
            while (end < order.Length && values[order[end]] == values[order[start]]) end++;
            var rank = (start + 1 + end) / 2.0;
            for (var i = start; i < end; i++) ranks[order[i]] = rank;
            long t = end - start;
            tieTerm += t * (t * t - 1);
            start = end;
        }
        return ranks;
    }
}
