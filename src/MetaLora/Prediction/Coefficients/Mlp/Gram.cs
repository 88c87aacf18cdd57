using MetaLora.Formats;
using static TorchSharp.torch;
using MetaLora.Model;
using MetaLora.Prediction.Combining;

namespace MetaLora.Prediction.Coefficients.Mlp;

/// <summary>
/// G = A Aᵀ for the bank's adapters flattened into rows of A (every tensor, in file order), built
/// in one streaming pass over the memory-mapped files, in double precision. mlp_version trains on
/// G alone: ‖(C − I) A‖²_F = trace((C − I) G (C − I)ᵀ), so its memory does not grow with adapter size.
/// </summary>
public static class Gram
{
    public sealed record Result(double[,] Matrix, long Parameters);

    public static Result Compute(IReadOnlyList<PeftAdapter> bank, long chunkBytes = AdapterMixer.DefaultChunkBytes)
    {
        var n = bank.Count;
        var specs = bank[0].Weights.Tensors;
        var chunk = (int)Math.Clamp(chunkBytes / (8L * n), 1024, 1 << 24);
        var readers = bank.Select(a => a.OpenWeights()).ToArray();
        try
        {
            using var g = zeros([n, n], ScalarType.Float64);
            using var rows = new BankChunk(n, chunk);
            foreach (var spec in specs)
            {
                var infos = readers.Select(r => r[spec.Name]).ToArray();
                for (long first = 0; first < spec.ElementCount; first += chunk)
                {
                    var count = (int)Math.Min(chunk, spec.ElementCount - first);
                    // Disposes this chunk's native temporaries (the view, the fp64 copy, the transpose, the product).
                    using var scope = NewDisposeScope();
                    var xs = rows.Read(readers, infos, first, count).to(ScalarType.Float64);
                    g.add_(mm(xs, xs.t()), TorchScalars.One);
                }
            }
            var values = g.data<double>().ToArray();
            var matrix = new double[n, n];
            for (var i = 0; i < n; i++)
                for (var j = 0; j < n; j++)
                    matrix[i, j] = values[i * n + j];
            return new Result(matrix, specs.Sum(s => s.ElementCount));
        }
        finally
        {
            foreach (var r in readers) r.Dispose();
        }
    }
}
