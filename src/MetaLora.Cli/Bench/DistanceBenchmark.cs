using System.Diagnostics;
using MetaLora.Distances;
using MetaLora.Repro;

namespace MetaLora.Cli.Bench;

internal static class DistanceBenchmark
{
    /// <summary>
    /// Tasks with Zipf-like token frequencies: rank r has probability ~ 1/(r+1) (log-uniform draws).
    /// Each task mixes a rank-to-id map shared by all tasks (the common words of a language) with its
    /// own random map (its topic) in a random proportion, so tasks overlap partly, as real datasets do.
    /// Lengths are uniform in [minTokens, maxTokens]. Same arguments, same tasks.
    /// </summary>
    public static SyntheticTasks Synthesize(int tasks, int minTokens, int maxTokens, int vocabSize, ulong seed)
    {
        if (tasks < 1) throw new BadInputException($"--tasks must be at least 1, got {tasks}");
        if (minTokens < 1 || maxTokens < minTokens)
            throw new BadInputException($"token counts need 1 <= --min-tokens <= --max-tokens, got {minTokens} and {maxTokens}");
        if (vocabSize < 2) throw new BadInputException($"--vocab must be at least 2, got {vocabSize}");

        var sharedRng = new Xoshiro256(SplitMix64.Mix(seed));
        var shared = Permutation(ref sharedRng, vocabSize);
        var tokens = new int[tasks][];
        var logSpan = Math.Log(vocabSize + 1.0);
        Parallel.For(0, tasks, t =>
        {
            var rng = new Xoshiro256(SplitMix64.Mix(seed ^ SplitMix64.Mix((ulong)t + 1)));
            var own = Permutation(ref rng, vocabSize);
            var length = minTokens + (int)rng.NextBelow((ulong)(maxTokens - minTokens + 1));
            var sharedShare = 0.2 + 0.6 * Unit(ref rng);
            var ids = new int[length];
            for (var k = 0; k < length; k++)
            {
                var rank = Math.Min(vocabSize - 1, (int)Math.Exp(Unit(ref rng) * logSpan) - 1);
                ids[k] = Unit(ref rng) < sharedShare ? shared[rank] : own[rank];
            }
            tokens[t] = ids;
        });
        var names = Enumerable.Range(0, tasks).Select(t => $"task{t:D4}").ToArray();
        return new SyntheticTasks(tokens, names, vocabSize);
    }

    /// <summary>Times <see cref="DistanceMatrix.Compute(Metric, IReadOnlyList{int[]}, IReadOnlyList{string}, int, ulong, IProgress{int})"/> for each metric, <paramref name="runs"/> times.</summary>
    public static IReadOnlyList<MetricTiming> Time(SyntheticTasks data, IReadOnlyList<Metric> metrics, int runs, ulong seed)
    {
        if (runs < 1) throw new BadInputException($"--runs must be at least 1, got {runs}");
        var n = data.Tokens.Count;
        var pairs = (long)n * (n - 1) / 2;
        var timings = new List<MetricTiming>();
        foreach (var metric in metrics)
        {
            var seconds = new double[runs];
            for (var r = 0; r < runs; r++)
            {
                // Start each run from a clean heap so one run's garbage is not charged to the next.
                GC.Collect();
                GC.WaitForPendingFinalizers();
                var watch = Stopwatch.StartNew();
                DistanceMatrix.Compute(metric, data.Tokens, data.Names, data.VocabSize, seed);
                seconds[r] = watch.Elapsed.TotalSeconds;
            }
            timings.Add(new MetricTiming(metric, seconds, pairs));
        }
        return timings;
    }

    private static int[] Permutation(ref Xoshiro256 rng, int size)
    {
        var permutation = Enumerable.Range(0, size).ToArray();
        for (var k = size - 1; k > 0; k--)
        {
            var other = (int)rng.NextBelow((ulong)k + 1);
            (permutation[k], permutation[other]) = (permutation[other], permutation[k]);
        }
        return permutation;
    }

    /// <summary>Uniform double in [0, 1) from the top 53 bits.</summary>
    private static double Unit(ref Xoshiro256 rng) => (rng.Next() >> 11) * (1.0 / (1UL << 53));
}
