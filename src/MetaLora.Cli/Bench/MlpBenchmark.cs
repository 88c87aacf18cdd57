using System.Diagnostics;
using MetaLora.Prediction.Coefficients;
using MetaLora.Prediction.Coefficients.Mlp;

namespace MetaLora.Cli.Bench;

/// <summary>mlp_version's training timed on random inputs of the paper's size, per engine.</summary>
internal static class MlpBenchmark
{
    /// <summary>
    /// Trains f for <paramref name="steps"/> steps with <paramref name="engine"/> on a random N x N distance
    /// matrix and a random Gram matrix (the paper's size by default: N = 502, H = 4000), then applies f to
    /// all N² entries as the stage does, and reports the seconds per step, the time after the last step
    /// and the peak resident memory of this run.
    /// </summary>
    public static MlpTiming Run(MlpEngine engine, int tasks, int hidden, int steps, int threads, ulong seed, long chunkBytes)
    {
        if (tasks < 3) throw new BadInputException($"--tasks must be at least 3, got {tasks}");
        if (hidden < 1) throw new BadInputException($"--hidden must be at least 1, got {hidden}");
        if (steps < 1) throw new BadInputException($"--steps must be at least 1, got {steps}");
        var (distances, gram) = RandomInputs(tasks, seed);
        var options = new MlpOptions { Engine = engine, Hidden = hidden, Steps = steps, Threads = threads, Seed = seed };
        if (chunkBytes > 0)
            options = options with { ChunkBytes = chunkBytes };

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var peakReset = PeakMemory.TryReset();
        var clock = new StepClock();
        MlpVersion.Train(distances, gram, parameters: 1_000_000, options, clock).Dispose();
        var total = clock.Elapsed;
        var peak = PeakMemory.Bytes();
        if (peak == 0)
            peak = Process.GetCurrentProcess().PeakWorkingSet64;
        return new MlpTiming(engine, tasks, TaskSplit.TrainCount(tasks, options.TrainFraction), hidden,
            threads == 0 ? Environment.ProcessorCount : threads, steps,
            clock.StepSeconds, clock.StepCpuSeconds, total - clock.LastReport, total, peak, peakReset);
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

    /// <summary>
    /// Records when each step ends (reported synchronously by the training loop), in wall-clock time and
    /// in this process's CPU time: on a shared machine CPU seconds / threads estimates an idle machine's time.
    /// </summary>
    private sealed class StepClock : IProgress<int>
    {
        private readonly Stopwatch _watch = Stopwatch.StartNew();
        private readonly TimeSpan _cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        private double _lastCpu;

        public List<double> StepSeconds { get; } = [];
        public List<double> StepCpuSeconds { get; } = [];

        /// <summary>Seconds from the start to the end of the last step.</summary>
        public double LastReport { get; private set; }

        public double Elapsed => _watch.Elapsed.TotalSeconds;

        private double Cpu => (Process.GetCurrentProcess().TotalProcessorTime - _cpuStart).TotalSeconds;

        public void Report(int value)
        {
            // The first step also carries the setup (standardising, split, init).
            var now = Elapsed;
            var cpu = Cpu;
            StepSeconds.Add(now - LastReport);
            StepCpuSeconds.Add(cpu - _lastCpu);
            LastReport = now;
            _lastCpu = cpu;
        }
    }
}
