using MetaLora.Formats;
using MetaLora.Tests.Support;
using MetaLora.Prediction.Coefficients.Mlp;
using MetaLora.Prediction.Combining;

namespace MetaLora.Tests.Prediction;

public sealed class AdapterMixerTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static double[,] RandomRows(int rows, int cols, int seed)
    {
        var random = new Random(seed);
        var c = new double[rows, cols];
        for (var i = 0; i < rows; i++)
            for (var j = 0; j < cols; j++)
                c[i, j] = random.NextDouble();
        return c;
    }

    [Theory]
    [InlineData(TensorDType.F32, 1L << 20)]
    [InlineData(TensorDType.F32, 64)]   // chunks far smaller than a tensor: exercises chunk boundaries
    [InlineData(TensorDType.BF16, 64)]
    [InlineData(TensorDType.F16, 1L << 20)]
    public void Every_tensor_is_the_coefficient_weighted_sum_of_the_bank(TensorDType dtype, long chunkBytes)
    {
        var values = SyntheticAdapters.Write(_dir["bank"], 5, dtype);
        var bank = AdapterBank.CheckConsistent(Enumerable.Range(0, 5).Select(a => _dir[$"bank/task{a:000}"]).ToArray());
        var c = RandomRows(3, 5, 1);
        var outs = Enumerable.Range(0, 3).Select(i => _dir[$"out/{i}"]).ToArray();
        AdapterMixer.Mix(bank, c, outs, chunkBytes);

        for (var i = 0; i < 3; i++)
        {
            var adapter = PeftAdapter.Open(outs[i]);
            Assert.Equal(bank[0].Config.R, adapter.Config.R);
            Assert.Equal(bank[0].Weights.Tensors.Select(t => (t.Name, t.DType, string.Join(',', t.Shape))),
                adapter.Weights.Tensors.Select(t => (t.Name, t.DType, string.Join(',', t.Shape))));
            using var reader = adapter.OpenWeights();
            foreach (var t in reader.Tensors)
            {
                var got = reader.ReadFloat32(t);
                for (var k = 0; k < got.Length; k++)
                {
                    var expected = Enumerable.Range(0, 5).Sum(j => c[i, j] * values[j][t.Name][k]);
                    Assert.Equal(SyntheticAdapters.RoundTrip(dtype, (float)expected), got[k], 1e-5f);
                }
            }
        }
    }

    [Fact]
    public void Same_inputs_give_identical_bytes_whatever_the_chunk_size()
    {
        SyntheticAdapters.Write(_dir["bank"], 4);
        var bank = AdapterBank.CheckConsistent(Enumerable.Range(0, 4).Select(a => _dir[$"bank/task{a:000}"]).ToArray());
        var c = RandomRows(2, 4, 2);
        AdapterMixer.Mix(bank, c, [_dir["a/0"], _dir["a/1"]]);
        AdapterMixer.Mix(bank, c, [_dir["b/0"], _dir["b/1"]], chunkBytes: 96);
        foreach (var i in new[] { "0", "1" })
            foreach (var file in new[] { PeftAdapter.WeightsFileName, PeftAdapter.ConfigFileName })
                Assert.Equal(File.ReadAllBytes(Path.Combine(_dir["a"], i, file)), File.ReadAllBytes(Path.Combine(_dir["b"], i, file)));
        Assert.Empty(Directory.EnumerateFiles(_dir["b"], "*partial*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Gram_matrix_equals_the_products_of_the_flattened_adapters()
    {
        var values = SyntheticAdapters.Write(_dir["bank"], 4);
        var bank = AdapterBank.CheckConsistent(Enumerable.Range(0, 4).Select(a => _dir[$"bank/task{a:000}"]).ToArray());
        var gram = Gram.Compute(bank, chunkBytes: 128);
        var flat = values.Select(v => bank[0].Weights.Tensors.SelectMany(t => v[t.Name]).ToArray()).ToArray();
        Assert.Equal(flat[0].Length, gram.Parameters);
        for (var i = 0; i < 4; i++)
            for (var j = 0; j < 4; j++)
                Assert.Equal(flat[i].Zip(flat[j], (a, b) => a * b).Sum(), gram.Matrix[i, j], 1e-9);
    }
}
