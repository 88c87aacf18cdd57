using System.Text.Json;
using System.Text.Json.Serialization;
using MetaLora.Reporting;
using MetaLora.Reporting.Statistics;

namespace MetaLora.Tests.Reporting;

/// <summary>The paired percentile bootstrap over tasks.</summary>
public sealed class BootstrapTests
{
    // Dyadic values: every sum and mean below is exact, so equal resamples give equal bits whatever the order.
    private static readonly double[] Four = [0.125, 0.5, 0.625, 1.0];

    [Fact]
    public void AConstantDifferenceGivesAPointInterval()
    {
        double[] y = [0.0, 0.125, 0.5, 0.75, 0.875, 0.25, 0.375];
        var x = y.Select(v => v + 0.25).ToArray();
        Assert.Equal(new Interval(0.25, 0.25), Bootstrap.Paired(x, y));
        Assert.True(Bootstrap.Paired(x, y).ExcludesZero);
        Assert.Equal(new Interval(0, 0), Bootstrap.Paired(y, y));
        Assert.False(Bootstrap.Paired(y, y).ExcludesZero);
    }

    /// <summary>
    /// With n = 4 the bootstrap distribution is known exactly: the means of all 4^4 equally likely
    /// resamples. The 10,000 Monte Carlo means estimate its CDF at the interval's ends with a standard
    /// error of sqrt(0.025 · 0.975 / 10,000) ≈ 0.0016; allowing 4 of them (0.0062), each end must lie
    /// where the exact CDF crosses 0.025 (0.975): at most that much mass strictly below the lower end
    /// beyond 0.025, and at least 0.025 less that much at or below it (likewise at the upper end).
    /// A resampler that favoured some tasks, or a wrong quantile, would move the ends by whole atoms (1/256 to 6/256).
    /// </summary>
    [Fact]
    public void AgreesWithTheExactBootstrapDistributionForFourTasks()
    {
        var exact = new List<double>();
        for (var a = 0; a < 4; a++)
            for (var b = 0; b < 4; b++)
                for (var c = 0; c < 4; c++)
                    for (var d = 0; d < 4; d++)
                        exact.Add((Four[a] + Four[b] + Four[c] + Four[d]) / 4);
        double Below(double v) => exact.Count(m => m < v) / 256.0;
        double AtOrBelow(double v) => exact.Count(m => m <= v) / 256.0;
        const double Slack = 4 * 0.0015612494995995996; // 4 standard errors of a proportion 0.025 from 10,000 draws

        var ci = Bootstrap.Mean(Four);
        Assert.InRange(Below(ci.Low), 0, 0.025 + Slack);
        Assert.InRange(AtOrBelow(ci.Low), 0.025 - Slack, 1);
        Assert.InRange(Below(ci.High), 0, 0.975 + Slack);
        Assert.InRange(AtOrBelow(ci.High), 0.975 - Slack, 1);

        // Every resample mean is one of the exact atoms, each about as often as it should be (4 standard errors).
        var means = Bootstrap.ResampleMeans(Four);
        Assert.All(means, m => Assert.Contains(m, exact));
        foreach (var atom in exact.Distinct())
        {
            var p = exact.Count(m => m == atom) / 256.0;
            var observed = means.Count(m => m == atom) / (double)means.Length;
            Assert.InRange(observed, p - 4 * Math.Sqrt(p * (1 - p) / means.Length), p + 4 * Math.Sqrt(p * (1 - p) / means.Length));
        }
    }

    [Fact]
    public void IsDeterministicBitForBit()
    {
        double[] x = [0.31, 0.07, 0.52, 0.44, 0.9, 0.12, 0.0, 0.66, 0.25];
        double[] y = [0.2, 0.1, 0.5, 0.3, 0.85, 0.0, 0.0, 0.4, 0.3];
        var first = Bootstrap.Paired(x, y);
        var second = Bootstrap.Paired(x, y);
        Assert.Equal(BitConverter.DoubleToInt64Bits(first.Low), BitConverter.DoubleToInt64Bits(second.Low));
        Assert.Equal(BitConverter.DoubleToInt64Bits(first.High), BitConverter.DoubleToInt64Bits(second.High));
    }

    public sealed record FixtureBootstrap(
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("x")] double[] X,
        [property: JsonPropertyName("y")] double[]? Y,
        [property: JsonPropertyName("seed")] ulong Seed,
        [property: JsonPropertyName("resamples")] int Resamples,
        [property: JsonPropertyName("ci95")] double[] Ci95);

    private sealed record FixtureFile([property: JsonPropertyName("bootstrap")] FixtureBootstrap[] Bootstrap);

    /// <summary>
    /// The same bits as an independent implementation (Fixtures/make_wilcoxon_fixtures.py: xoshiro256**
    /// from its definition in Python, sums in draw order, np.percentile): the seed, the draws, the sums
    /// and the quantile rule are all pinned, so every machine gives these intervals.
    /// </summary>
    [Fact]
    public void MatchesAnIndependentImplementationBitForBit()
    {
        var cases = JsonSerializer.Deserialize<FixtureFile>(File.ReadAllText(Fixtures.Path("wilcoxon.json")))!.Bootstrap;
        Assert.True(cases.Length >= 5);
        foreach (var c in cases)
        {
            Assert.Equal(Bootstrap.Seed, c.Seed);
            Assert.Equal(Bootstrap.Resamples, c.Resamples);
            var ci = c.Y is null ? Bootstrap.Mean(c.X) : Bootstrap.Paired(c.X, c.Y);
            Assert.True(ci == new Interval(c.Ci95[0], c.Ci95[1]), $"{c.Name}: expected [{c.Ci95[0]:R}, {c.Ci95[1]:R}], got [{ci.Low:R}, {ci.High:R}]");
        }
    }

    [Fact]
    public void TheIntervalWidensWithSpread()
    {
        double[] narrow = [0.1, 0.12, 0.08, 0.11, 0.09, 0.1, 0.13, 0.07];
        var wide = narrow.Select(v => 0.1 + 3 * (v - 0.1)).ToArray();
        var a = Bootstrap.Mean(narrow);
        var b = Bootstrap.Mean(wide);
        Assert.True(b.High - b.Low > 2.5 * (a.High - a.Low), $"{a} against {b}");
        Assert.True(a.Low <= 0.1 && 0.1 <= a.High);
        // Doubling every value doubles every resample mean exactly, so the interval too.
        var doubled = Bootstrap.Mean(narrow.Select(v => 2 * v).ToArray());
        Assert.Equal(new Interval(2 * a.Low, 2 * a.High), doubled);
    }

    /// <summary>
    /// y - x is exactly -(x - y), so the resample means are exactly negated; the interval's ends are then
    /// NumPy's percentiles at 0.025 and 0.975 of the negated means, whose interpolation weights
    /// ((n - 1) 0.025 and (n - 1) 0.975 less their floors) are not exact complements in floating point:
    /// the ends agree to 3.5e-13 times the gap between neighbouring means, not bit for bit.
    /// </summary>
    [Fact]
    public void SwappingTheSamplesNegatesAndSwapsTheInterval()
    {
        double[] x = [0.31, 0.07, 0.52, 0.44, 0.9, 0.12, 0.0, 0.66, 0.25, 0.5, 0.71];
        double[] y = [0.2, 0.1, 0.5, 0.3, 0.85, 0.0, 0.0, 0.4, 0.3, 0.45, 0.2];
        var forward = Bootstrap.Paired(x, y);
        var backward = Bootstrap.Paired(y, x);
        Assert.Equal(-forward.High, backward.Low, 1e-12);
        Assert.Equal(-forward.Low, backward.High, 1e-12);
        Assert.True(forward.Low < forward.High);
    }

    [Fact]
    public void AComparisonCarriesTheDifferenceItsIntervalAndItsTest()
    {
        double[] x = [0.5, 0.625, 0.75, 0.25, 1.0, 0.875, 0.5, 0.75, 0.625, 0.375, 0.5, 0.25];
        double[] y = [0.25, 0.5, 0.5, 0.25, 0.75, 0.5, 0.25, 0.5, 0.5, 0.125, 0.25, 0.0];
        var c = PairedComparison.Of("p", "base", x, y)!;
        Assert.Equal(12, c.Tasks);
        Assert.Equal(x.Zip(y, (a, b) => a - b).Average(), c.MeanDifference);
        Assert.Equal(Bootstrap.Paired(x, y), c.Ci95);
        Assert.Equal(Wilcoxon.Test(x, y)!.Value.PValue, c.PValue);
        Assert.True(c.Significant);
        Assert.Null(PairedComparison.Of("p", "base", [], []));
        Assert.Throws<ArgumentException>(() => Bootstrap.Paired([1.0], [1.0, 2.0]));
        Assert.Throws<ArgumentException>(() => Bootstrap.Mean([]));
    }
}
