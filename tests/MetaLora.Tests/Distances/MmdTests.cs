using MetaLora.Distances;
using MetaLora.Repro;


namespace MetaLora.Tests.Distances;

public sealed class MmdTests
{
    private static readonly double[] Bandwidths = [0.2, 0.5, 0.9, 1.3];

    /// <summary>The definition, term by term: three n x n kernel grids, compensated sums, then means.</summary>
    private static double Naive(int[] x, int[] y)
    {
        double Mean(int[] u, int[] v)
        {
            double sum = 0, compensation = 0;
            foreach (var a in u)
                foreach (var b in v)
                {
                    double diff = a - b, d = diff * diff, k = 0;
                    foreach (var h in Bandwidths)
                        k += h * h / (h * h + d);
                    // Neumaier summation, so the reference is accurate to ~1 ulp.
                    var t = sum + k;
                    compensation += Math.Abs(sum) >= Math.Abs(k) ? sum - t + k : k - t + sum;
                    sum = t;
                }
            return (sum + compensation) / ((double)u.Length * v.Length);
        }
        return Mean(x, x) + Mean(y, y) - 2 * Mean(x, y);
    }

    private static double Fast(int[] x, int[] y, int vocab) =>
        MMD.FromSamples(x, y, MMD.KernelTable(vocab), new MMD.Scratch(vocab));

    private static double Fast(int[] x, int[] y, int vocab, SimdWidth width) =>
        MMD.FromSamples(x, y, MMD.KernelTable(vocab), new MMD.Scratch(vocab), width);

    private static int[] Draw(Random random, int count, Func<Random, int> id) =>
        Enumerable.Range(0, count).Select(_ => id(random)).ToArray();

    public static TheoryData<string> Shapes() => ["narrow", "wide", "skewed", "same distribution", "disjoint", "small"];

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Quadratic_form_equals_the_naive_definition(string shape)
    {
        const int vocab = 32000;
        var random = new Random(shape.Length * 7919);
        var n = shape == "small" ? 37 : MMD.SampleSize;
        Func<Random, int> first, second;
        switch (shape)
        {
            case "narrow": first = r => r.Next(50); second = r => r.Next(20, 80); break;
            case "wide": first = r => r.Next(vocab); second = r => r.Next(vocab); break;
            case "skewed": first = r => (int)Math.Min(vocab - 1, Math.Exp(r.NextDouble() * Math.Log(vocab))); second = r => vocab - 1 - first(r); break;
            case "same distribution": first = second = r => (int)Math.Exp(r.NextDouble() * Math.Log(2000)); break;
            case "disjoint": first = r => r.Next(100); second = r => 31000 + r.Next(1000); break;
            default: first = r => r.Next(vocab); second = r => r.Next(10); break;
        }
        var x = Draw(random, n, first);
        var y = Draw(random, n, second);
        var naive = Naive(x, y);
        foreach (var width in Lanes.Available)
            Close.Equal(naive, Fast(x, y, vocab, width), 1e-12, $"{shape} at {width}");
    }

    [Fact]
    public void Equal_samples_give_exactly_zero()
    {
        int[] x = [5, 3, 3, 900, 12];
        Assert.Equal(0.0, Fast(x, [3, 12, 900, 3, 5], 1000));
    }

    [Fact]
    public void Matrix_entries_use_the_documented_pair_samples()
    {
        var (tokens, names) = Tasks(4, 1);
        var matrix = DistanceMatrix.Compute(Metric.MMD, tokens, names, 500, seed: 42);
        var rng = new Xoshiro256(MMD.PairSeed(42, names[1], names[3]));
        var x = new int[MMD.SampleSize];
        var y = new int[MMD.SampleSize];
        MMD.Sample(ref rng, tokens[1], x);
        MMD.Sample(ref rng, tokens[3], y);
        Assert.Equal(Fast(x, y, 500), matrix[1, 3]);
        Close.Equal(Naive(x, y), matrix[1, 3], 1e-12, "naive");
    }

    [Fact]
    public void Same_seed_same_bits_other_seed_other_values()
    {
        var (tokens, names) = Tasks(5, 2);
        var a = DistanceMatrix.Compute(Metric.MMD, tokens, names, 500, seed: 7);
        var b = DistanceMatrix.Compute(Metric.MMD, tokens, names, 500, seed: 7);
        var c = DistanceMatrix.Compute(Metric.MMD, tokens, names, 500, seed: 8);
        Assert.Equal(a, b);
        for (var i = 0; i < 5; i++)
            for (var j = 0; j < 5; j++)
            {
                Assert.Equal(a[i, j], a[j, i]);
                if (i == j) Assert.Equal(0.0, a[i, j]);
                else Assert.NotEqual(a[i, j], c[i, j]);
            }
    }

    [Fact]
    public void Dropping_later_tasks_keeps_the_other_entries()
    {
        var (tokens, names) = Tasks(6, 3);
        var full = DistanceMatrix.Compute(Metric.MMD, tokens, names, 500, seed: 1);
        var limited = DistanceMatrix.Compute(Metric.MMD, tokens.Take(4).ToArray(), names.Take(4).ToArray(), 500, seed: 1);
        for (var i = 0; i < 4; i++)
            for (var j = 0; j < 4; j++)
                Assert.Equal(full[i, j], limited[i, j]);
    }

    [Fact]
    public void Pair_seeds_depend_on_order_and_names()
    {
        Assert.NotEqual(MMD.PairSeed(0, "a", "b"), MMD.PairSeed(0, "b", "a"));
        Assert.NotEqual(MMD.PairSeed(0, "a", "b"), MMD.PairSeed(1, "a", "b"));
        Assert.Equal(MMD.PairSeed(5, "task", "other"), MMD.PairSeed(5, "task", "other"));
    }

    [Fact]
    public void Bounded_draws_cover_the_range_uniformly()
    {
        var rng = new Xoshiro256(3);
        var counts = new int[7];
        for (var k = 0; k < 70000; k++)
            counts[rng.NextBelow(7)]++;
        Assert.All(counts, c => Assert.InRange(c, 9500, 10500));
    }

    private static (int[][] Tokens, string[] Names) Tasks(int count, int seed)
    {
        var random = new Random(seed);
        var tokens = Enumerable.Range(0, count)
            .Select(t => Draw(random, random.Next(1, 300), r => (r.Next(500) + 37 * t) % 500))
            .ToArray();
        return (tokens, Enumerable.Range(0, count).Select(t => $"dataset-{t}").ToArray());
    }
}
