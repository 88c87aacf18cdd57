using System.Diagnostics;
using MetaLora.Formats;
using MetaLora.Prediction.Coefficients;
using MetaLora.Prediction.Combining;
using MetaLora.Prediction.Combining.Delta;

namespace MetaLora.Cli.Bench;

/// <summary>
/// Synthetic banks of the paper's adapter shape (Mistral-7B, r = 16 on q_proj and v_proj in 32
/// layers: q A 16x4096, B 4096x16; v A 16x4096, B 1024x16; about 6.8 M values each) and a timed
/// combination with the streaming mixer, for `lora bench predict`.
/// </summary>
internal static class MixerBenchmark
{
    public sealed record Shape(int Layers = 32, int Rank = 16, int Hidden = 4096, int KeyValue = 1024, TensorDType DType = TensorDType.F32);

    /// <param name="Adapters">Adapters in the synthetic bank, and predicted adapters written.</param>
    /// <param name="BytesPerAdapter">Size of one adapter's weights file.</param>
    /// <param name="WriteSeconds">Writing the synthetic bank (not part of the comparison).</param>
    /// <param name="CopySeconds">Reading every bank file and writing a copy of it flushed to disk, plainly: what the disk allows.</param>
    /// <param name="CopyCpuSeconds">This process's CPU time during the copy.</param>
    /// <param name="MixSeconds">Wall time of the combination: one predicted adapter per bank adapter, flushed to disk.</param>
    /// <param name="MixCpuSeconds">This process's CPU time (all threads, user and system) during the combination: on a busy machine a steadier measure than wall time.</param>
    /// <param name="PeakRssBytes">Peak resident set size during the combination (Linux; 0 elsewhere).</param>
    /// <param name="Outputs">Predicted adapters written.</param>
    public sealed record Timing(int Adapters, long BytesPerAdapter, double WriteSeconds, double CopySeconds, double CopyCpuSeconds, double MixSeconds, double MixCpuSeconds, long PeakRssBytes, int Outputs);

    public static IReadOnlyList<TensorSpec> Specs(Shape shape)
    {
        var specs = new List<TensorSpec>();
        for (var l = 0; l < shape.Layers; l++)
            foreach (var (module, outDim) in new[] { ("q_proj", shape.Hidden), ("v_proj", shape.KeyValue) })
            {
                var prefix = $"base_model.model.model.layers.{l}.self_attn.{module}";
                specs.Add(new TensorSpec($"{prefix}.lora_A.weight", shape.DType, [shape.Rank, shape.Hidden]));
                specs.Add(new TensorSpec($"{prefix}.lora_B.weight", shape.DType, [outDim, shape.Rank]));
            }
        return specs;
    }

    /// <summary>The folders of the first <paramref name="count"/> adapters of a synthetic bank under <paramref name="root"/>.</summary>
    public static string[] BankFolders(string root, int count) =>
        Enumerable.Range(0, count).Select(i => Path.Combine(root, $"task{i:0000}")).ToArray();

    /// <summary>Writes <paramref name="count"/> adapters with seeded random weights under <paramref name="root"/> (an adapter already complete there is kept).</summary>
    public static IReadOnlyList<string> WriteBank(string root, int count, Shape shape, ulong seed)
    {
        var specs = Specs(shape);
        var folders = BankFolders(root, count);
        Parallel.For(0, count, i =>
        {
            // Reruns in the same --dir (e.g. one per combiner) reuse the bank: its bytes depend only on the seed and shape.
            if (PeftAdapter.IsComplete(folders[i]) && new FileInfo(PeftAdapter.WeightsPathIn(folders[i])).Length == SafetensorsWriter.Header(specs, PeftAdapter.WeightsMetadata).Length + specs.Sum(s => s.ByteLength))
                return;
            var random = new Random(unchecked((int)seed) * 7919 + i);
            var config = AdapterConfig.Create(PeftAdapter.ConfigPathIn(folders[i]), shape.Rank, 2 * shape.Rank, ["q_proj", "v_proj"], "synthetic");
            var buffer = new float[1 << 16];
            PeftAdapter.Write(folders[i], config, specs, (spec, sink) =>
            {
                for (long done = 0; done < spec.ElementCount; done += buffer.Length)
                {
                    var n = (int)Math.Min(buffer.Length, spec.ElementCount - done);
                    for (var k = 0; k < n; k++) buffer[k] = (float)(random.NextDouble() - 0.5) * 0.02f;
                    sink.WriteFloat32(buffer.AsSpan(0, n));
                }
            });
        });
        return folders;
    }

    /// <summary>Writes a bank of <paramref name="count"/> adapters, then predicts one adapter per bank task (an N x N combination).</summary>
    /// <param name="root">Scratch folder.</param>
    /// <param name="count">Bank size N.</param>
    /// <param name="shape">Adapter shape.</param>
    /// <param name="seed">Seed of weights and coefficients.</param>
    /// <param name="chunkBytes">The streaming mixers' chunk budget.</param>
    /// <param name="combiner">The combiner timed.</param>
    /// <param name="delta">The delta combiner's rank and top-k.</param>
    /// <param name="outputs">Predict only the first this many adapters (0 = all N): slow combiners can be timed on a part.</param>
    public static Timing Run(string root, int count, Shape shape, ulong seed, long chunkBytes = AdapterMixer.DefaultChunkBytes,
        Combiner combiner = Combiner.Paper, DeltaOptions? delta = null, int outputs = 0)
    {
        var watch = Stopwatch.StartNew();
        var folders = WriteBank(Path.Combine(root, "bank"), count, shape, seed);
        var writeSeconds = watch.Elapsed.TotalSeconds;

        var rows = outputs <= 0 || outputs >= count ? count : outputs;
        var coefficients = Coefficients(count, rows, seed);

        // The combination reads N adapters and writes N, each flushed to disk (atomic writes): the same
        // bytes and the same durability as copying the bank once with a flush per file.
        watch.Restart();
        var cpu = CpuSeconds();
        double copySeconds = 0, copyCpu = 0;
        // The copy is the paper mixer's yardstick (same bytes read and written); other combiners skip it.
        if (combiner == Combiner.Paper)
        {
            CopyBank(root, folders);
            copySeconds = watch.Elapsed.TotalSeconds;
            copyCpu = CpuSeconds() - cpu;
            Directory.Delete(Path.Combine(root, "copy"), recursive: true);
        }

        PeakMemory.TryReset();
        watch.Restart();
        cpu = CpuSeconds();
        var bank = AdapterBank.CheckConsistent(folders);
        var targets = folders.Take(rows).Select(f => Path.Combine(root, "predicted", Path.GetFileName(f))).ToArray();
        Combine(combiner, bank, coefficients, targets, chunkBytes, delta);
        var mixSeconds = watch.Elapsed.TotalSeconds;
        var mixCpu = CpuSeconds() - cpu;
        return new Timing(count, Specs(shape).Sum(s => s.ByteLength), writeSeconds, copySeconds, copyCpu, mixSeconds, mixCpu, PeakMemory.Bytes(), rows);
    }

    /// <summary>Softmin coefficients of random distances (N x N from the seed), only the first <paramref name="rows"/> rows kept.</summary>
    private static double[,] Coefficients(int count, int rows, ulong seed)
    {
        var random = new Random(unchecked((int)seed));
        var distances = new double[count, count];
        for (var i = 0; i < count; i++)
            for (var j = 0; j < count; j++)
                distances[i, j] = i == j ? 0 : random.NextDouble() * 5;
        var coefficients = Softmin.Rows(distances);
        if (rows < count)
        {
            var part = new double[rows, count];
            for (var i = 0; i < rows; i++)
                for (var j = 0; j < count; j++)
                    part[i, j] = coefficients[i, j];
            coefficients = part;
        }
        return coefficients;
    }

    /// <summary>Copies every adapter's weights under root/copy, each flushed to disk.</summary>
    private static void CopyBank(string root, IReadOnlyList<string> folders) =>
        Parallel.ForEach(folders, f =>
        {
            var copy = Path.Combine(root, "copy", Path.GetFileName(f));
            Directory.CreateDirectory(copy);
            using var source = File.OpenRead(PeftAdapter.WeightsPathIn(f));
            using var target = new FileStream(PeftAdapter.WeightsPathIn(copy), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
            source.CopyTo(target);
            target.Flush(flushToDisk: true);
        });

    private static void Combine(Combiner combiner, IReadOnlyList<PeftAdapter> bank, double[,] coefficients, string[] targets, long chunkBytes,
        DeltaOptions? delta)
    {
        switch (combiner)
        {
            case Combiner.Paper:
                AdapterMixer.Mix(bank, coefficients, targets, chunkBytes);
                break;
            case Combiner.LinearSqrt:
                LinearSqrtCombiner.Mix(bank, coefficients, targets);
                break;
            default:
                DeltaCombiner.Mix(bank, coefficients, targets, delta ?? new DeltaOptions());
                break;
        }
    }

    private static double CpuSeconds()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }
}
