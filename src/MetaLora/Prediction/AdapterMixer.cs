using MetaLora.Formats;
using MetaLora.Pipeline;
using TorchSharp;
using static TorchSharp.torch;

namespace MetaLora.Prediction;

/// <summary>
/// The paper's combination step: predicted adapter i = Σ_j C[i][j] · adapter_j, tensor by tensor
/// (A and B matrices combined separately), keys, shapes and dtype of the bank kept, fp32
/// accumulation. Streaming: each tensor is processed in element chunks, the chunk of every bank
/// adapter read from its memory-mapped file and every output's chunk computed by one matrix
/// product, so memory is bounded by the chunk budget, not by the number or size of adapters.
/// Every output file is written front to back, so all outputs are written in the same pass.
/// </summary>
public static class AdapterMixer
{
    /// <summary>Bytes of fp32 working memory per chunk (bank rows plus output rows).</summary>
    public const long DefaultChunkBytes = 64L << 20;

    /// <param name="bank">The bank's adapters (checked consistent: same keys, shapes, dtypes).</param>
    /// <param name="coefficients">One row per output, one column per bank adapter.</param>
    /// <param name="outputFolders">One adapter folder per row of <paramref name="coefficients"/>.</param>
    /// <param name="chunkBytes">Working-memory budget per chunk, see <see cref="DefaultChunkBytes"/>.</param>
    /// <param name="progress">Receives the share of the work done, from 0 to 1.</param>
    public static void Mix(IReadOnlyList<PeftAdapter> bank, double[,] coefficients, IReadOnlyList<string> outputFolders,
        long chunkBytes = DefaultChunkBytes, IProgress<double>? progress = null)
    {
        var n = bank.Count;
        var outputs = outputFolders.Count;
        if (coefficients.GetLength(0) != outputs || coefficients.GetLength(1) != n)
            throw new ArgumentException($"coefficients are {coefficients.GetLength(0)} x {coefficients.GetLength(1)}; expected {outputs} x {n}");
        if (outputs == 0) return;

        var specs = bank[0].Weights.Tensors.Select(t => t.ToSpec()).ToArray();
        var total = specs.Sum(s => s.ElementCount);
        var chunk = (int)Math.Clamp(chunkBytes / (4L * (n + outputs)), 1024, 1 << 24);

        var readers = bank.Select(a => a.OpenWeights()).ToArray();
        var files = outputFolders.Select(f => new OutputFile(f, specs)).ToArray();
        try
        {
            using var c = tensor(Flatten(coefficients), [outputs, n], ScalarType.Float32);
            using var rows = new BankChunk(n, chunk);
            var values = new float[(long)outputs * chunk];
            long done = 0;
            foreach (var spec in specs)
            {
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
            foreach (var f in files) f.Commit(bank[0].Config);
        }
        finally
        {
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

    /// <summary>One output adapter's weights, written front to back into a temporary file, renamed when complete.</summary>
    private sealed class OutputFile : IDisposable
    {
        private readonly string _folder;
        private readonly string _temp;
        private readonly FileStream _stream;
        private TensorSink? _sink;

        public OutputFile(string folder, IReadOnlyList<TensorSpec> specs)
        {
            _folder = folder;
            Directory.CreateDirectory(folder);
            AtomicFile.RemoveLeftovers(folder);
            // A stale config must not describe weights that are being replaced.
            if (File.Exists(PeftAdapter.ConfigPathIn(folder))) File.Delete(PeftAdapter.ConfigPathIn(folder));
            _temp = Path.Combine(folder, $".{PeftAdapter.WeightsFileName}{AtomicFile.TempMarker}{Environment.ProcessId}-{Guid.NewGuid():N}");
            _stream = new FileStream(_temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
            _stream.Write(SafetensorsWriter.Header(specs, PeftAdapter.WeightsMetadata));
        }

        public void Write(TensorSpec spec, ReadOnlySpan<float> values)
        {
            if (_sink?.Tensor != spec)
            {
                _sink?.Complete();
                _sink = new TensorSink(spec, _stream);
            }
            _sink.WriteFloat32(values);
        }

        public void Commit(AdapterConfig config)
        {
            _sink?.Complete();
            _stream.Flush(flushToDisk: true);
            _stream.Dispose();
            File.Move(_temp, PeftAdapter.WeightsPathIn(_folder), overwrite: true);
            config.Save(PeftAdapter.ConfigPathIn(_folder));
        }

        public void Dispose()
        {
            // Disposing flushes, which fails again on a full disk; the temporary file goes regardless.
            try { _stream.Dispose(); }
            finally { AtomicFile.TryDelete(_temp); }
        }
    }
}
