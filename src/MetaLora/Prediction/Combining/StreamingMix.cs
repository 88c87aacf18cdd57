using MetaLora.Formats;
using static TorchSharp.torch;

namespace MetaLora.Prediction.Combining;

/// <summary>
/// Element-wise weighted sums of the bank's tensors, streamed: each tensor is processed in element
/// chunks, the chunk of every bank adapter read from its memory-mapped file and every output's chunk
/// computed by one matrix product, so memory is bounded by the chunk budget, not by the number or
/// size of adapters. Each tensor may use its own coefficient matrix (PEFT's linear rule weights A
/// and B differently). Every output file is written front to back, so all are written in one pass.
/// </summary>
internal static class StreamingMix
{
    /// <summary>Bytes of fp32 working memory per chunk (bank rows plus output rows).</summary>
    public const long DefaultChunkBytes = 64L << 20;

    /// <param name="bank">The bank's adapters (checked consistent).</param>
    /// <param name="coefficientSets">Coefficient matrices, each one row per output and one column per bank adapter.</param>
    /// <param name="setOf">The index into <paramref name="coefficientSets"/> that weights a tensor.</param>
    /// <param name="outputFolders">One adapter folder per row.</param>
    /// <param name="config">The config every output is given.</param>
    /// <param name="chunkBytes">Working-memory budget per chunk.</param>
    /// <param name="progress">Receives the share of the work done, from 0 to 1.</param>
    public static void Run(IReadOnlyList<PeftAdapter> bank, IReadOnlyList<double[,]> coefficientSets, Func<TensorSpec, int> setOf,
        IReadOnlyList<string> outputFolders, AdapterConfig config, long chunkBytes, IProgress<double>? progress)
    {
        var n = bank.Count;
        var outputs = outputFolders.Count;
        foreach (var coefficients in coefficientSets)
            if (coefficients.GetLength(0) != outputs || coefficients.GetLength(1) != n)
                throw new ArgumentException($"coefficients are {coefficients.GetLength(0)} x {coefficients.GetLength(1)}; expected {outputs} x {n}");
        if (outputs == 0) return;

        var specs = bank[0].Weights.Tensors.Select(t => t.ToSpec()).ToArray();
        var total = specs.Sum(s => s.ElementCount);
        var chunk = (int)Math.Clamp(chunkBytes / (4L * (n + outputs)), 1024, 1 << 24);

        AdapterOutputFile.RequireSpace(outputFolders, specs, config);
        var readers = bank.Select(a => a.OpenWeights()).ToArray();
        var files = outputFolders.Select(f => new AdapterOutputFile(f, specs)).ToArray();
        var sets = coefficientSets.Select(c => tensor(Flatten(c), [outputs, n], ScalarType.Float32)).ToArray();
        try
        {
            using var rows = new BankChunk(n, chunk);
            var values = new float[(long)outputs * chunk];
            long done = 0;
            foreach (var spec in specs)
            {
                var c = sets[setOf(spec)];
                var infos = readers.Select(r => r[spec.Name]).ToArray();
                for (long first = 0; first < spec.ElementCount; first += chunk)
                {
                    var count = (int)Math.Min(chunk, spec.ElementCount - first);
                    using (NewDisposeScope())
                        BankChunk.NativeSpan(mm(c, rows.Read(readers, infos, first, count))).CopyTo(values);
                    Parallel.For(0, outputs, i => files[i].Write(spec, values.AsSpan(i * count, count)));
                    done += count;
                    progress?.Report((double)done / total);
                }
            }
            foreach (var f in files) f.Commit(config);
        }
        finally
        {
            foreach (var s in sets) s.Dispose();
            foreach (var r in readers) r.Dispose();
            foreach (var f in files) f.Dispose();
        }
    }

    private static float[] Flatten(double[,] m)
    {
        var rows = m.GetLength(0);
        var cols = m.GetLength(1);
        var result = new float[rows * cols];
        for (var i = 0; i < rows; i++)
            for (var j = 0; j < cols; j++)
                result[i * cols + j] = (float)m[i, j];
        return result;
    }
}
