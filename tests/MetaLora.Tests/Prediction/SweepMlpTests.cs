using static TorchSharp.torch;
using MetaLora.Prediction.Coefficients;
using MetaLora.Prediction.Coefficients.Mlp;
using MetaLora.Prediction.Coefficients.Mlp.Dense;
using MetaLora.Prediction.Coefficients.Mlp.Sweep;

namespace MetaLora.Tests.Prediction;

/// <summary>
/// The sweep engine against the dense engine run in float64 (TorchSharp's autograd): f's values and the
/// gradient of every parameter, on small banks with randomised LayerNorm affine parameters, with ties
/// among the inputs, inputs exactly at a unit's kink, and every chunking and restart interval.
/// </summary>
[Collection(TorchState.Name)]
public sealed class SweepMlpTests
{
    private const double Tolerance = 1e-9;

    /// <summary>The parameters in module order: name, offset in the sweep's layout, whether it is W2 (stored by columns).</summary>
    private static (string Name, int Offset, bool Transposed)[] Layout(SweepMlp f) =>
    [
        ("input.weight", f.W1, false), ("input.bias", f.B1, false), ("norm1.weight", f.G1, false), ("norm1.bias", f.Be1, false),
        ("hidden.weight", f.W2, true), ("hidden.bias", f.B2, false), ("norm2.weight", f.G2, false), ("norm2.bias", f.Be2, false),
        ("output.weight", f.W3, false), ("output.bias", f.B3, false),
    ];

    /// <summary>A float64 f with PyTorch's init and LayerNorm scales and shifts drawn at random (init leaves them 1 and 0).</summary>
    private static CoefficientMlp RandomMlp(int hidden, int seed)
    {
        manual_seed(seed);
        var mlp = new CoefficientMlp(hidden, ScalarType.Float64);
        var random = new Random(seed);
        using var noGrad = no_grad();
        foreach (var norm in new[] { mlp.FirstNorm, mlp.SecondNorm })
        {
            norm.weight!.copy_(tensor(Enumerable.Range(0, hidden).Select(_ => 0.5 + random.NextDouble()).ToArray()));
            norm.bias!.copy_(tensor(Enumerable.Range(0, hidden).Select(_ => random.NextDouble() - 0.5).ToArray()));
        }
        return mlp;
    }

    /// <summary>Standardised off-diagonal distances of a random bank of N tasks, rounded to float32 as training does.</summary>
    private static double[] BankInputs(double[,] distances)
    {
        var z = NormalizedVersion.Standardize(distances);
        var n = z.GetLength(0);
        var inputs = new List<double>();
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
                if (i != j) inputs.Add((float)z[i, j]);
        return [.. inputs];
    }

    /// <summary>Each row a cyclic shift of the same few values: every row standardises to the same values, so the inputs are full of ties.</summary>
    private static double[,] TiedDistances(int n)
    {
        var d = new double[n, n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
                d[i, j] = (j - i + n) % n % 3;
        return d;
    }

    private static double[] RandomUpstream(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => 2 * random.NextDouble() - 1).ToArray();
    }

    /// <summary>Dense float64 values and gradients of Σ upstream·f, by name.</summary>
    private static (double[] Values, Dictionary<string, double[]> Gradients) Dense(CoefficientMlp mlp, double[] inputs, double[] upstream)
    {
        var values = DenseMlp.Evaluate(mlp, inputs, chunkRows: 1 << 20);
        mlp.zero_grad();
        DenseMlp.AccumulateGradient(mlp, inputs, upstream, chunkRows: 7);
        var gradients = mlp.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.data<double>().ToArray());
        return (values, gradients);
    }

    /// <summary>The sweep's values and gradients, by name in torch's layout.</summary>
    private static (double[] Values, Dictionary<string, double[]> Gradients) Sweep(CoefficientMlp mlp, double[] inputs, double[] upstream,
        int chunks = 0, int threads = 2, int refreshEvents = SweepPass.DefaultRefreshEvents)
    {
        var f = SweepMlp.FromModule(mlp);
        var sorted = new SweepInputs(inputs, chunks);
        var pass = new SweepPass(f, sorted, threads, training: true, refreshEvents);
        pass.Forward();
        var values = sorted.Unsort(pass.Outputs);
        var gradient = new double[f.Values.Length];
        pass.Backward(sorted.Sort(upstream), gradient);
        var h = f.Hidden;
        var named = new Dictionary<string, double[]>();
        foreach (var (name, offset, transposed) in Layout(f))
        {
            var length = name == "hidden.weight" ? h * h : name == "output.bias" ? 1 : h;
            var part = gradient.AsSpan(offset, length).ToArray();
            if (transposed)
            {
                var rows = new double[h * h];
                for (var k = 0; k < h; k++)
                    for (var i = 0; i < h; i++)
                        rows[i * h + k] = part[k * h + i];
                part = rows;
            }
            named[name] = part;
        }
        return (values, named);
    }

    /// <summary>Every entry within <see cref="Tolerance"/> of the largest magnitude in the expected array.</summary>
    private static void AssertClose(double[] expected, double[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        var scale = expected.Max(Math.Abs);
        Assert.True(scale > 0, $"{what}: all zero, nothing compared");
        for (var i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance * scale,
                $"{what}[{i}]: dense {expected[i]:R}, sweep {actual[i]:R} (scale {scale:E2})");
    }

    private static void AssertSame(CoefficientMlp mlp, double[] inputs, double[] upstream, string what, int chunks = 0, int refreshEvents = SweepPass.DefaultRefreshEvents)
    {
        var dense = Dense(mlp, inputs, upstream);
        var sweep = Sweep(mlp, inputs, upstream, chunks, refreshEvents: refreshEvents);
        AssertClose(dense.Values, sweep.Values, $"{what}: f");
        foreach (var (name, expected) in dense.Gradients)
            AssertClose(expected, sweep.Gradients[name], $"{what}: ∂/∂{name}");
    }

    [Theory]
    [InlineData(16, 1)]
    [InlineData(64, 2)]
    [InlineData(200, 3)]
    [InlineData(512, 4)]
    public void Values_and_gradients_equal_the_dense_engine_in_float64(int hidden, int seed)
    {
        using var mlp = RandomMlp(hidden, seed);
        var inputs = BankInputs(SyntheticBank.Distances(12, seed));
        AssertSame(mlp, inputs, RandomUpstream(inputs.Length, seed), $"H {hidden}");
    }

    [Theory]
    [InlineData(16, 5)]
    [InlineData(256, 6)]
    public void Ties_among_the_inputs_change_nothing(int hidden, int seed)
    {
        using var mlp = RandomMlp(hidden, seed);
        var inputs = BankInputs(TiedDistances(12));
        Assert.True(inputs.Distinct().Count() <= 3, "the tied bank has few distinct inputs");
        AssertSame(mlp, inputs, RandomUpstream(inputs.Length, seed), $"ties, H {hidden}");
    }

    [Theory]
    [InlineData(1, 1_000_000)]
    [InlineData(5, 1_000_000)]
    [InlineData(13, 3)]
    [InlineData(132, 1)]
    public void Chunks_and_restarts_change_nothing_beyond_rounding(int chunks, int refreshEvents)
    {
        using var mlp = RandomMlp(128, 7);
        var inputs = BankInputs(SyntheticBank.Distances(12, 7));
        AssertSame(mlp, inputs, RandomUpstream(inputs.Length, 7), $"{chunks} chunks, restarts every {refreshEvents} changes", chunks, refreshEvents);
    }

    /// <summary>
    /// Units whose value before the ReLU is exactly 0 at some inputs: both engines must treat them as
    /// inactive there (PyTorch's ReLU passes no gradient at 0). The weights are multiples of 1/64 with
    /// means that are exactly 0, so both engines compute exact zeros: unit 3 at x = 0 (its centred bias
    /// and its shift are 0), unit 5 everywhere (scale and shift 0) and unit 7 at x = 0.5.
    /// </summary>
    [Fact]
    public void Inputs_at_a_units_kink_are_inactive_in_both_engines()
    {
        const int hidden = 16;
        using var mlp = RandomMlp(hidden, 8);
        var random = new Random(8);
        var w1 = new double[hidden];
        var b1 = new double[hidden];
        for (var k = 0; k < hidden; k += 2)
        {
            // Pairs ±v: every mean is exactly 0, every partial sum exact.
            w1[k] = random.Next(-64, 65) / 64.0;
            b1[k] = random.Next(-64, 65) / 64.0;
            w1[k + 1] = -w1[k];
            b1[k + 1] = -b1[k];
        }
        (b1[2], b1[3]) = (0, 0);
        (w1[6], b1[6], w1[7], b1[7]) = (-1, 0.5, 1, -0.5);
        using (no_grad())
        {
            mlp.InputLayer.weight!.copy_(tensor(w1).reshape(hidden, 1));
            mlp.InputLayer.bias!.copy_(tensor(b1));
            mlp.FirstNorm.weight![5] = 0.0;
            foreach (var k in new[] { 3, 5, 7 }) mlp.FirstNorm.bias![k] = 0.0;
        }
        double[] inputs = [-1.5, -0.25, 0, 0, 0.25, 0.5, 0.5, 0.5, 0.75, 1, 2, 0, 0.5, -3];
        var upstream = RandomUpstream(inputs.Length, 8);
        AssertSame(mlp, inputs, upstream, "kinks");

        // The kinks are real: the sweep's own first layer gives exactly 0 there.
        var f = SweepMlp.FromModule(mlp);
        var pass = new SweepPass(f, new SweepInputs([0.0, 0.5]), 1, training: false);
        pass.Forward();
        using var noGrad = no_grad();
        using var x = tensor(new[] { 0.0, 0.5 }).reshape(2, 1);
        using var pre = mlp.FirstNorm.forward(mlp.InputLayer.forward(x));
        var values = pre.data<double>().ToArray();
        Assert.Equal(0.0, values[3]);
        Assert.Equal(0.0, values[5]);
        Assert.Equal(0.0, values[hidden + 5]);
        Assert.Equal(0.0, values[hidden + 7]);
    }

    [Fact]
    public void The_result_has_the_same_bits_for_any_thread_count()
    {
        using var mlp = RandomMlp(96, 9);
        var inputs = BankInputs(SyntheticBank.Distances(12, 9));
        var upstream = RandomUpstream(inputs.Length, 9);
        var one = Sweep(mlp, inputs, upstream, chunks: 6, threads: 1);
        var two = Sweep(mlp, inputs, upstream, chunks: 6, threads: 2);
        var four = Sweep(mlp, inputs, upstream, chunks: 6, threads: 4);
        Assert.Equal(one.Values, two.Values);
        Assert.Equal(one.Values, four.Values);
        foreach (var name in one.Gradients.Keys)
        {
            Assert.Equal(one.Gradients[name], two.Gradients[name]);
            Assert.Equal(one.Gradients[name], four.Gradients[name]);
        }
    }

    [Theory]
    [InlineData(16)]
    [InlineData(64)]
    public void Forty_steps_give_the_dense_engines_coefficients_and_the_same_bits_every_run(int hidden)
    {
        var d = SyntheticBank.Distances(12, 10);
        var g = SyntheticBank.Gram(SyntheticBank.Random(12, 30, 11));
        var options = new MlpOptions { Hidden = hidden, Seed = 3 };
        using var sweep = MlpVersion.Train(d, g, 30, options);
        using var again = MlpVersion.Train(d, g, 30, options with { Threads = 1 });
        using var dense = MlpVersion.Train(d, g, 30, options with { Engine = MlpEngine.Dense, DenseInFloat64 = true });

        Assert.Equal(41, sweep.Losses.Count);
        Assert.Equal(sweep.Coefficients, again.Coefficients);
        Assert.Equal(sweep.Losses, again.Losses);
        for (var i = 0; i < 12; i++)
            for (var j = 0; j < 12; j++)
                Assert.True(Math.Abs(sweep.Coefficients[i, j] - dense.Coefficients[i, j]) <= 1e-9,
                    $"C[{i},{j}]: sweep {sweep.Coefficients[i, j]:R}, dense {dense.Coefficients[i, j]:R}");
        for (var t = 0; t < sweep.Losses.Count; t++)
            Distances.Close.Equal(dense.Losses[t], sweep.Losses[t], 1e-9, $"loss {t}");
        Assert.True(sweep.Losses[^1] < sweep.Losses[0], "training lowered the loss");
    }
}
