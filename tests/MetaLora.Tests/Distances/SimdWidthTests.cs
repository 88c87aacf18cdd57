using MetaLora.Cli.Bench;
using MetaLora.Distances;

namespace MetaLora.Tests.Distances;

/// <summary>
/// Every vector width that runs natively here (<see cref="Lanes.Available"/>: all four on x64 with
/// AVX-512, 128-bit and scalar on ARM64) gives the same bits, kernel by kernel and matrix by matrix. So the
/// 128-bit kernels that ARM64 laptops run are exercised on any CI machine.
/// </summary>
public sealed class SimdWidthTests
{
    private static readonly SyntheticTasks Data = DistanceBenchmark.Synthesize(40, 50, 4000, 3000, seed: 23);

    [Fact]
    public void Scalar_and_the_widest_width_are_always_available()
    {
        Assert.Contains(SimdWidth.Scalar, Lanes.Available);
        Assert.Equal(Lanes.Widest, Lanes.Available[0]);
        Assert.Equal(Lanes.Available.Distinct().Count(), Lanes.Available.Count);
    }

    [Theory]
    [InlineData(Metric.WD)]
    [InlineData(Metric.KL)]
    [InlineData(Metric.JS)]
    [InlineData(Metric.MMD)]
    public void Matrices_are_the_same_at_every_width(Metric metric)
    {
        double[,] At(SimdWidth width) => DistanceMatrix.Compute(metric, Data.Tokens, Data.Names, Data.VocabSize, 9, width);
        var widest = At(Lanes.Widest);
        foreach (var width in Lanes.Available)
        {
            var actual = At(width);
            for (var i = 0; i < Data.Tokens.Count; i++)
                for (var j = 0; j < Data.Tokens.Count; j++)
                    Same(widest[i, j], actual[i, j], $"{metric}[{i},{j}] at {width}");
        }
    }

    [Fact]
    public void Kernels_are_the_same_at_every_width_on_edge_values()
    {
        var random = new Random(31);
        const int length = 1024;
        // Runs of bins empty in both rows (JS skips them), in one row only, tiny, and large densities.
        double Density(int k) => (k / 40 % 4) switch
        {
            0 => Histogram.Epsilon,
            1 => Histogram.Epsilon + random.NextDouble() * 1e-9,
            2 => Histogram.Epsilon + random.NextDouble() * 1e-3,
            _ => Histogram.Epsilon + random.NextDouble(),
        };
        var p = Enumerable.Range(0, length).Select(Density).ToArray();
        var q = Enumerable.Range(0, length).Select(k => k % 160 < 40 ? Histogram.Epsilon : Density(k + 40)).ToArray();
        var logP = new double[length];
        var logQ = new double[length];
        Histogram.Log(p, logP);
        Histogram.Log(q, logQ);
        // Cumulative counts of ~10^5 tokens: exact integers, as WD needs.
        var ci = Cumulative(random, length, 100_000);
        var cj = Cumulative(random, length, 70_000);

        var kl = KlChunk(SimdWidth.Scalar, p, logP, q, logQ);
        var js = JsChunk(SimdWidth.Scalar, p, logP, q, logQ);
        var wd = WdChunk(SimdWidth.Scalar, ci, 100_000, cj, 70_000);
        foreach (var width in Lanes.Available)
        {
            var (pq, qp) = KlChunk(width, p, logP, q, logQ);
            Same(kl.PQ, pq, $"KL(p||q) at {width}");
            Same(kl.QP, qp, $"KL(q||p) at {width}");
            Same(js, JsChunk(width, p, logP, q, logQ), $"JS at {width}");
            Same(wd, WdChunk(width, ci, 100_000, cj, 70_000), $"WD at {width}");
        }

        // And they compute the definitions.
        Close.Equal(p.Zip(q, (a, b) => a * Math.Log(a / b)).Sum(), kl.PQ, 1e-12, "KL(p||q)");
        Close.Equal(q.Zip(p, (a, b) => a * Math.Log(a / b)).Sum(), kl.QP, 1e-12, "KL(q||p)");
        Close.Equal(p.Zip(q, (a, b) => a * Math.Log(2 * a / (a + b)) + b * Math.Log(2 * b / (a + b))).Sum(), js, 1e-12, "JS");
        Assert.Equal(ci.Zip(cj, (a, b) => Math.Abs(a * 70_000 - b * 100_000)).Sum(), wd);
    }

    [Fact]
    public void Lanes_sum_columns_in_order_then_by_halving()
    {
        // The documented order of Lanes.Accumulate and Lanes.Sum, spelled out: what keeps widths equal.
        var random = new Random(5);
        const int length = 320;
        double[] Row() => Enumerable.Range(0, length).Select(_ => random.NextDouble() * Math.Pow(10, random.Next(-8, 8))).ToArray();
        double[] w = Row(), logP = Row(), logQ = Row();
        var lanes = new double[Histogram.BlockLanes];
        for (var k = 0; k < length; k++)
            lanes[k % lanes.Length] = Lanes.MultiplyAdd(w[k], logP[k] - logQ[k], lanes[k % lanes.Length]);
        for (var half = lanes.Length / 2; half > 0; half /= 2)
            for (var i = 0; i < half; i++)
                lanes[i] += lanes[i + half];
        foreach (var width in Lanes.Available)
            Same(lanes[0], KlChunk(width, w, logP, w, logQ).PQ, $"sum at {width}");
    }

    [Fact]
    public void Log_is_the_same_at_every_width_and_within_two_ulp()
    {
        var random = new Random(8);
        // 1003 values: not a whole number of vectors, so the scalar tail runs too.
        var x = Enumerable.Range(0, 1000).Select(k => Math.Exp(-40 * random.NextDouble()) * (k % 2 == 0 ? 1 : 1 + 1e-7 * random.NextDouble()))
            .Append(1e-10).Append(Math.Sqrt(0.5)).Append(1).ToArray();
        var scalar = Log(SimdWidth.Scalar, x);
        foreach (var width in Lanes.Available)
        {
            var log = Log(width, x);
            for (var k = 0; k < x.Length; k++)
                Same(scalar[k], log[k], $"log({x[k]:R}) at {width}");
        }
        for (var k = 0; k < x.Length; k++)
        {
            var exact = Math.Log(x[k]);
            var ulp = Math.BitIncrement(Math.Abs(exact)) - Math.Abs(exact);
            Assert.True(Math.Abs(scalar[k] - exact) <= 2 * ulp, $"log({x[k]:R}) = {scalar[k]:R}, expected {exact:R}");
        }
    }

    [Fact]
    public void Rows_of_other_lengths_are_rejected()
    {
        var row = new double[Histogram.BlockLanes + 1];
        var other = new double[2 * Histogram.BlockLanes];
        Assert.Throws<ArgumentException>(() => KL.Chunk<Scalar>(row, row, row, row));
        Assert.Throws<ArgumentException>(() => JS.Chunk<Scalar>(other, other, other, other.AsSpan(Histogram.BlockLanes)));
        Assert.Throws<ArgumentException>(() => WD.Chunk<Scalar>(other, 1, other.AsSpan(1), 1));
    }

    private static double[] Cumulative(Random random, int length, int tokens)
    {
        var cuts = Enumerable.Range(0, length).Select(_ => random.Next(tokens + 1)).Order().ToArray();
        return cuts.Select(c => (double)c).ToArray();
    }

    /// <summary>Bit-for-bit equality, with both values in the message.</summary>
    private static void Same(double expected, double actual, string what) =>
        Assert.True(BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(actual),
            $"{what}: expected {expected:R}, got {actual:R}");

    private static (double PQ, double QP) KlChunk(SimdWidth width, double[] p, double[] logP, double[] q, double[] logQ) => width switch
    {
        SimdWidth.Bits512 => KL.Chunk<Vec512>(p, logP, q, logQ),
        SimdWidth.Bits256 => KL.Chunk<Vec256>(p, logP, q, logQ),
        SimdWidth.Bits128 => KL.Chunk<Vec128>(p, logP, q, logQ),
        _ => KL.Chunk<Scalar>(p, logP, q, logQ),
    };

    private static double JsChunk(SimdWidth width, double[] p, double[] logP, double[] q, double[] logQ) => width switch
    {
        SimdWidth.Bits512 => JS.Chunk<Vec512>(p, logP, q, logQ),
        SimdWidth.Bits256 => JS.Chunk<Vec256>(p, logP, q, logQ),
        SimdWidth.Bits128 => JS.Chunk<Vec128>(p, logP, q, logQ),
        _ => JS.Chunk<Scalar>(p, logP, q, logQ),
    };

    private static double WdChunk(SimdWidth width, double[] ci, double ni, double[] cj, double nj) => width switch
    {
        SimdWidth.Bits512 => WD.Chunk<Vec512>(ci, ni, cj, nj),
        SimdWidth.Bits256 => WD.Chunk<Vec256>(ci, ni, cj, nj),
        SimdWidth.Bits128 => WD.Chunk<Vec128>(ci, ni, cj, nj),
        _ => WD.Chunk<Scalar>(ci, ni, cj, nj),
    };

    private static double[] Log(SimdWidth width, double[] x)
    {
        var result = new double[x.Length];
        switch (width)
        {
            case SimdWidth.Bits512: Histogram.Log<Vec512>(x, result); break;
            case SimdWidth.Bits256: Histogram.Log<Vec256>(x, result); break;
            case SimdWidth.Bits128: Histogram.Log<Vec128>(x, result); break;
            default: Histogram.Log<Scalar>(x, result); break;
        }
        return result;
    }
}
