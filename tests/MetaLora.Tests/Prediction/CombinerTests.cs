using MetaLora.Formats;
using MetaLora.Model;
using MetaLora.Tests.Model;
using MetaLora.Tests.Support;
using static TorchSharp.torch;
using MetaLora.Inference;
using MetaLora.Prediction.Baselines;
using MetaLora.Prediction.Coefficients;
using MetaLora.Prediction.Combining;
using MetaLora.Prediction.Combining.Delta;

namespace MetaLora.Tests.Prediction;

/// <summary>The combiners beyond the paper's: delta (exact ΔW) and linear-sqrt (PEFT's linear rule), and the baselines.</summary>
public sealed class CombinerTests : IDisposable
{
    // TinyMistral's shapes: q_proj 32 -> 32, v_proj 32 -> 16, two layers; the bank's r = 2, alpha = 4 (s = 2).
    private const int Adapters = 5;
    private const int Rank = 2;
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private (List<Dictionary<string, double[]>> Values, IReadOnlyList<PeftAdapter> Bank) Bank()
    {
        var values = SyntheticAdapters.Write(_dir["bank"], Adapters, rank: Rank, hidden: 32, kv: 16);
        return (values, AdapterBank.CheckConsistent(Enumerable.Range(0, Adapters).Select(a => _dir[$"bank/task{a:000}"]).ToArray()));
    }

    /// <summary>Softmin-like rows: positive, summing to 1, the row's own adapter at 0.</summary>
    private static double[,] Rows(int seed)
    {
        var random = new Random(seed);
        var c = new double[Adapters, Adapters];
        for (var i = 0; i < Adapters; i++)
        {
            var sum = 0.0;
            for (var j = 0; j < Adapters; j++) sum += c[i, j] = i == j ? 0 : random.NextDouble() + 0.05;
            for (var j = 0; j < Adapters; j++) c[i, j] /= sum;
        }
        return c;
    }

    /// <summary>Σ_j w_j s B_j A_j of one module, dense, in double.</summary>
    private static double[,] Dense(List<Dictionary<string, double[]>> values, double[] w, string module, int outDim, int inDim, double scaling)
    {
        var d = new double[outDim, inDim];
        for (var j = 0; j < w.Length; j++)
        {
            var a = values[j][module + ".lora_A.weight"];
            var b = values[j][module + ".lora_B.weight"];
            for (var o = 0; o < outDim; o++)
                for (var i = 0; i < inDim; i++)
                {
                    double sum = 0;
                    for (var k = 0; k < Rank; k++) sum += b[o * Rank + k] * a[k * inDim + i];
                    d[o, i] += w[j] * scaling * sum;
                }
        }
        return d;
    }

    /// <summary>Loads an output with the project's LoRA loader and checks each module's scaling · B A against the dense sum.</summary>
    private static void AssertProducts(string folder, List<Dictionary<string, double[]>> values, double[] w, double tolerance)
    {
        using var model = TinyMistral.Model();
        using var adapter = LoraAdapter.Load(folder, model);
        Assert.Equal(4, adapter.Layers.Count);
        foreach (var (name, layer) in adapter.Layers)
        {
            using var delta = layer.Delta(ScalarType.Float64);
            var outDim = (int)delta.shape[0];
            var inDim = (int)delta.shape[1];
            var module = "base_model.model." + name;
            var expected = Dense(values, w, module, outDim, inDim, 2.0);
            var got = delta.data<double>().ToArray();
            double error = 0, norm = 0;
            for (var o = 0; o < outDim; o++)
                for (var i = 0; i < inDim; i++)
                {
                    error += Math.Pow(got[o * inDim + i] - expected[o, i], 2);
                    norm += expected[o, i] * expected[o, i];
                }
            Assert.True(Math.Sqrt(error / norm) < tolerance, $"{name}: relative Frobenius error {Math.Sqrt(error / norm):E2}");
        }
    }

    private static double[] Row(double[,] c, int i) => Enumerable.Range(0, c.GetLength(1)).Select(j => c[i, j]).ToArray();

    [Fact]
    public void Delta_at_full_rank_reproduces_the_dense_weighted_sum_and_is_a_valid_peft_folder()
    {
        var (values, bank) = Bank();
        var c = Rows(1);
        var outs = Enumerable.Range(0, Adapters).Select(i => _dir[$"out/{i}"]).ToArray();
        // Σ r over the other four adapters = 8 <= min(16, 32): the whole update fits.
        var reports = DeltaCombiner.Mix(bank, c, outs, new DeltaOptions(Rank: 8));
        for (var i = 0; i < Adapters; i++)
        {
            var adapter = PeftAdapter.Open(outs[i]);
            Assert.Equal(8, adapter.Config.R);
            Assert.Equal(8.0, adapter.Config.LoraAlpha);
            Assert.False(adapter.Config.UseRsLora);
            Assert.Equal(bank[0].Modules.Select(m => m.Name), adapter.Modules.Select(m => m.Name));
            foreach (var (m, b) in adapter.Modules.Zip(bank[0].Modules))
            {
                Assert.Equal([8, b.InFeatures], m.A.Shape);
                Assert.Equal([b.OutFeatures, 8], m.B.Shape);
            }
            AssertProducts(outs[i], values, Row(c, i), 1e-5);
            Assert.Equal(4, reports[i].TopK);
            Assert.Equal(1.0, reports[i].EnergyKept, 9);
            Assert.True(File.Exists(Path.Combine(outs[i], DeltaReport.FileName)));
        }
    }

    [Fact]
    public void Delta_with_top_k_is_the_exact_sum_of_the_kept_renormalised_rows()
    {
        var (values, bank) = Bank();
        var c = Rows(2);
        var outs = Enumerable.Range(0, Adapters).Select(i => _dir[$"out/{i}"]).ToArray();
        var reports = DeltaCombiner.Mix(bank, c, outs, new DeltaOptions(Rank: 4, TopK: 2));
        var (kept, mass) = DeltaCombiner.TopK(c, 2);
        for (var i = 0; i < Adapters; i++)
        {
            Assert.Equal(2, Row(kept, i).Count(w => w != 0));
            Assert.Equal(1.0, Row(kept, i).Sum(), 12);
            Assert.Equal(mass[i], reports[i].CoefficientMassKept, 9);
            Assert.True(mass[i] < 1);
            AssertProducts(outs[i], values, Row(kept, i), 1e-5);
        }
    }

    [Fact]
    public void Delta_below_full_rank_keeps_the_leading_part_and_says_how_much()
    {
        var (_, bank) = Bank();
        var outs = Enumerable.Range(0, Adapters).Select(i => _dir[$"out/{i}"]).ToArray();
        var reports = DeltaCombiner.Mix(bank, Rows(3), outs, new DeltaOptions());
        Assert.All(reports, r =>
        {
            Assert.Equal(Rank, r.Rank);
            Assert.InRange(r.EnergyKept, 0.2, 0.999999);
            Assert.InRange(r.MinModuleEnergyKept, 0, r.EnergyKept);
        });
        Assert.Equal(Rank, PeftAdapter.Open(outs[0]).Config.R);
    }

    [Fact]
    public void The_report_gives_its_shares_to_nine_decimals()
    {
        var (_, bank) = Bank();
        var outs = Enumerable.Range(0, Adapters).Select(i => _dir[$"out/{i}"]).ToArray();
        var reports = DeltaCombiner.Mix(bank, Rows(3), outs, new DeltaOptions(TopK: 3));
        for (var i = 0; i < Adapters; i++)
        {
            var r = reports[i];
            foreach (var share in new[] { r.CoefficientMassKept, r.EnergyKept, r.MinModuleEnergyKept })
            {
                Assert.Equal(Math.Round(share, 9), share);
                Assert.InRange(share, 0, 1);
            }
            Assert.True(r.EnergyKept < 1, "rank 2 of a stack of 3 x 2 columns keeps part of the update");
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Path.Combine(outs[i], DeltaReport.FileName)));
            Assert.Equal(r.EnergyKept, json.RootElement.GetProperty("energy_kept").GetDouble());
            var text = json.RootElement.GetProperty("energy_kept").GetRawText();
            Assert.True(text.Length - text.IndexOf('.') - 1 <= 9, text);
        }
    }

    [Fact]
    public void Large_combinations_are_announced_with_what_makes_them_large()
    {
        // One layer of the paper's shape (Mistral-7B: q_proj 4096 -> 4096, v_proj 4096 -> 1024, r = 16).
        SyntheticAdapters.Write(_dir["wide"], 1, layers: 1, rank: 16, hidden: 4096, kv: 1024);
        var adapter = PeftAdapter.Open(_dir["wide/task000"]);
        var note = DeltaCost.Note(adapter, 501, 502, new DeltaOptions());
        Assert.NotNull(note);
        Assert.StartsWith("note: delta with top-k 501 stacks 8016 columns per module, so each of 502 outputs factors cores of up to 4096 x 4096 in each of 2 modules", note);
        Assert.Null(DeltaCost.Note(adapter, 501, 502, new DeltaOptions(TopK: 8)));
        // The count grows with k; with every coefficient the QRs are shared (once per module), which is
        // cheaper than each row's own QRs of nearly as wide a stack, but still far above a narrow top-k.
        var work = new[] { 1, 8, 64, 256 }.Select(k => DeltaCost.Operations(adapter, 501, 502, new DeltaOptions(TopK: k))).ToArray();
        Assert.Equal(work.Order(), work);
        var all = DeltaCost.Operations(adapter, 501, 502, new DeltaOptions());
        Assert.InRange(all, 100 * work[1], work[^1]);
        // The embedded bank's size gives no note.
        var (_, bank) = Bank();
        Assert.Null(DeltaCost.Note(bank[0], Adapters - 1, Adapters, new DeltaOptions()));
    }

    [Fact]
    public void Same_inputs_give_the_same_bytes()
    {
        var (_, bank) = Bank();
        var c = Rows(4);
        foreach (var run in new[] { "a", "b" })
        {
            DeltaCombiner.Mix(bank, c, Enumerable.Range(0, Adapters).Select(i => _dir[$"{run}/delta/{i}"]).ToArray(), new DeltaOptions(TopK: 3));
            LinearSqrtCombiner.Mix(bank, c, Enumerable.Range(0, Adapters).Select(i => _dir[$"{run}/linear/{i}"]).ToArray());
        }
        foreach (var file in Directory.EnumerateFiles(_dir["a"], "*", SearchOption.AllDirectories))
            Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(file.Replace(_dir["a"], _dir["b"])));
        Assert.Equal(Adapters * 5, Directory.EnumerateFiles(_dir["a"], "*", SearchOption.AllDirectories).Count());
    }

    [Fact]
    public void A_rank_the_shapes_do_not_allow_or_a_top_k_past_n_minus_1_is_one_clear_line()
    {
        var (_, bank) = Bank();
        var outs = Enumerable.Range(0, Adapters).Select(i => _dir[$"out/{i}"]).ToArray();
        var rank = Assert.Throws<BadInputException>(() => DeltaCombiner.Mix(bank, Rows(5), outs, new DeltaOptions(Rank: 17)));
        Assert.Equal("--combine-rank=17 is larger than the shapes allow: base_model.model.model.layers.0.self_attn.v_proj is 16 x 32, so at most 16", rank.Message);
        var topK = Assert.Throws<BadInputException>(() => DeltaCombiner.Mix(bank, Rows(5), outs, new DeltaOptions(TopK: 5)));
        Assert.Equal("--top-k=5 is larger than N - 1 = 4 (the other tasks of the bank); give at most 4 or all", topK.Message);
        Assert.False(Directory.Exists(_dir["out"]));
    }

    /// <summary>
    /// PEFT's linear rule by hand: two rank-1 adapters on a 2 x 2 module with s = alpha / r = 2.
    /// A1 = [1 0], B1 = [1 0]ᵀ, A2 = [0 1], B2 = [0 1]ᵀ; weights c = (0.5, 0.125) give w = c s = (1, 0.25),
    /// √w = (1, 0.5): A = [1 0.5], B = [1 0.5]ᵀ, r = 1, lora_alpha = 1. With c1 = −0.5 the sign goes on A: A = [−1 0.5].
    /// </summary>
    [Theory]
    [InlineData(0.5, new[] { 1f, 0.5f }, new[] { 1f, 0.5f })]
    [InlineData(-0.5, new[] { -1f, 0.5f }, new[] { 1f, 0.5f })]
    public void Linear_sqrt_is_peft_linear_rule(double c1, float[] a, float[] b)
    {
        var spec = (string name, int rows, int cols) => new TensorSpec(name, TensorDType.F32, [rows, cols]);
        const string module = "base_model.model.model.layers.0.self_attn.q_proj";
        TensorSpec[] specs = [spec(module + ".lora_A.weight", 1, 2), spec(module + ".lora_B.weight", 2, 1)];
        float[][][] weights = [[[1, 0], [1, 0]], [[0, 1], [0, 1]]];
        for (var k = 0; k < 2; k++)
        {
            var folder = _dir[$"hand/{k}"];
            var config = AdapterConfig.Create(PeftAdapter.ConfigPathIn(folder), 1, 2, ["q_proj"], "hand");
            var values = weights[k];
            PeftAdapter.Write(folder, config, specs, (s, sink) => sink.WriteFloat32(values[s == specs[0] ? 0 : 1]));
        }
        var bank = AdapterBank.CheckConsistent([_dir["hand/0"], _dir["hand/1"]]);
        LinearSqrtCombiner.Mix(bank, new double[,] { { c1, 0.125 } }, [_dir["out"]]);
        var output = PeftAdapter.Open(_dir["out"]);
        Assert.Equal(1, output.Config.R);
        Assert.Equal(1.0, output.Config.LoraAlpha);
        using var reader = output.OpenWeights();
        Assert.Equal(a, reader.ReadFloat32(reader[module + ".lora_A.weight"]));
        Assert.Equal(b, reader.ReadFloat32(reader[module + ".lora_B.weight"]));
    }

    [Fact]
    public void Uniform_weighs_every_other_task_equally_and_nearest_takes_the_closest_other_task()
    {
        var u = UniformBaseline.Coefficients(4);
        Assert.Equal(0, u[2, 2]);
        Assert.Equal(1.0 / 3, u[2, 0]);
        var d = new double[,] { { 0, 3, 1, 1 }, { 0.5, 0, 2, 0.1 }, { 9, 9, 0, 9 }, { 1, 1, 1, 0 } };
        Assert.Equal([2, 3, 0, 0], NearestBaseline.Choose(d));
    }

    [Fact]
    public void Pipeline_names_place_every_combiner_and_baseline_in_its_own_folder()
    {
        var layout = new MetaLora.Layout.DataLayout("data");
        Assert.Equal(Path.Combine("data", "predicted_adapters", "KL", "base_version"),
            InferPipeline.Predicted(MetaLora.Distances.Metric.KL, CoefficientModel.BaseVersion).AdaptersIn(layout));
        Assert.Equal(Path.Combine("data", "predicted_adapters", "KL", "base_version+delta"),
            InferPipeline.Parse("KL_base_version+delta").Single().AdaptersIn(layout));
        Assert.Equal(Path.Combine("data", "predicted_adapters", "uniform+linear-sqrt"), InferPipeline.Parse("uniform+linear-sqrt").Single().AdaptersIn(layout));
        Assert.Equal(Path.Combine("data", "predicted_adapters", "JS", "nearest"), InferPipeline.Parse("nearest_JS").Single().AdaptersIn(layout));
        Assert.Equal(14, InferPipeline.Parse("all").Count);
    }
}
