using System.Diagnostics;

namespace MetaLora.Prediction;

/// <summary>Timing of one mlp_version training on random inputs of a given size.</summary>
public sealed record MlpBenchmarkResult(
    int Tasks, int TrainTasks, int Hidden, int Threads,
    IReadOnlyList<double> StepSeconds, IReadOnlyList<double> StepCpuSeconds, double OtherSeconds, double TotalSeconds,
    long ChunkBytes, long BaselineBytes, long PeakBytes, bool PeakIsForThisRun)
{
    public double MedianStepSeconds
    {
        get
        {
            var sorted = StepSeconds.Order().ToArray();
            if (sorted.Length == 0) return 0;
            var mid = sorted.Length / 2;
            return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        }
    }

    /// <summary>The whole training with <paramref name="steps"/> steps: setup and final scoring plus that many median steps.</summary>
    public double ExtrapolatedSeconds(int steps) => OtherSeconds + steps * MedianStepSeconds;
}

public static class MlpBenchmark
{
    /// <summary>
    /// Trains f for <paramref name="steps"/> steps on a random N x N distance matrix and a random Gram
    /// matrix (the paper's size by default: N = 502, H = 4000) and reports the seconds per step and the
    /// peak resident memory. Everything but the steps (standardising, the final f over all N² entries)
    /// is reported as <see cref="MlpBenchmarkResult.OtherSeconds"/>.
    /// </summary>
    public static MlpBenchmarkResult Run(int tasks = 502, int hidden = 4000, int steps = 2, int threads = 0, ulong seed = 0, long chunkBytes = 0)
    {
        if (tasks < 3) throw new BadInputException($"--tasks must be at least 3, got {tasks}");
        var (distances, gram) = RandomInputs(tasks, seed);
        var options = new MlpOptions { Hidden = hidden, Steps = steps, Threads = threads, Seed = seed };
        if (chunkBytes > 0)
            options = options with { ChunkBytes = chunkBytes };

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var baseline = ResidentBytes("VmRSS");
        var peakReset = TryResetPeak();
        var clock = new StepClock();
        MlpVersion.Train(distances, gram, parameters: 1_000_000, options, clock).Dispose();
        var total = clock.Elapsed;
        var peak = ResidentBytes("VmHWM");
        if (peak == 0)
            peak = Process.GetCurrentProcess().PeakWorkingSet64;
        return new MlpBenchmarkResult(tasks, TaskSplit.TrainCount(tasks, options.TrainFraction), hidden,
            threads == 0 ? Environment.ProcessorCount : threads,
            clock.StepSeconds, clock.StepCpuSeconds, total - clock.StepSeconds.Sum(), total, options.ChunkBytes, baseline, peak, peakReset);
    }

    /// <summary>Distances |x| for x ~ N(0, 1) with a zero diagonal; G = B Bᵀ for a random N x 64 matrix B.</summary>
    private static (double[,] Distances, double[,] Gram) RandomInputs(int n, ulong seed)
    {
        var random = new Random(unchecked((int)seed) ^ 0x5eed);
        var distances = new double[n, n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
                distances[i, j] = i == j ? 0 : Math.Abs(Normal(random));
        const int rank = 64;
        var b = new double[n, rank];
        for (var i = 0; i < n; i++)
            for (var r = 0; r < rank; r++)
                b[i, r] = Normal(random);
        var gram = new double[n, n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
            {
                var sum = 0.0;
                for (var r = 0; r < rank; r++)
                    sum += b[i, r] * b[j, r];
                gram[i, j] = sum;
            }
        return (distances, gram);
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>A field of /proc/self/status in bytes, or 0 where there is no procfs.</summary>
    private static long ResidentBytes(string field)
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status)) return 0;
        foreach (var line in File.ReadLines(status))
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0]) * 1024;
        return 0;
    }

    /// <summary>Resets VmHWM to the current RSS (Linux: "5" to clear_refs) so the peak is this run's.</summary>
    private static bool TryResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return false;
        }
    }

    /// <summary>
    /// Records when each step ends (reported synchronously by the training loop), in wall-clock time and
    /// in this process's CPU time: on a shared machine CPU seconds / threads estimates an idle machine's time.
    /// </summary>
    private sealed class StepClock : IProgress<int>
    {
        private readonly Stopwatch _watch = Stopwatch.StartNew();
        private readonly TimeSpan _cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        private double _last, _lastCpu;

        public List<double> StepSeconds { get; } = [];
        public List<double> StepCpuSeconds { get; } = [];

        public double Elapsed => _watch.Elapsed.TotalSeconds;

        private double Cpu => (Process.GetCurrentProcess().TotalProcessorTime - _cpuStart).TotalSeconds;

        public void Report(int value)
        {
            // The first step also carries the setup (standardising, split, init), a small share.
            var now = Elapsed;
            var cpu = Cpu;
            StepSeconds.Add(now - _last);
            StepCpuSeconds.Add(cpu - _lastCpu);
            _last = now;
            _lastCpu = cpu;
        }
    }
}
