using MetaLora.Cli.Bench;
using MetaLora.Distances;

namespace MetaLora.Tests.Distances;

public sealed class DistanceMatrixTests
{
    private static readonly SyntheticTasks Data = DistanceBenchmark.Synthesize(70, 50, 3000, 2000, seed: 11);

    [Theory]
    [InlineData(Metric.WD)]
    [InlineData(Metric.KL)]
    [InlineData(Metric.JS)]
    [InlineData(Metric.MMD)]
    public async Task One_thread_gives_the_same_bits_as_many(Metric metric)
    {
        var parallel = DistanceMatrix.Compute(metric, Data.Tokens, Data.Names, Data.VocabSize, 5);
        // Parallel.For schedules on the current scheduler; an exclusive one runs one work item at a time.
        var exclusive = new ConcurrentExclusiveSchedulerPair().ExclusiveScheduler;
        var serial = await Task.Factory.StartNew(
            () => DistanceMatrix.Compute(metric, Data.Tokens, Data.Names, Data.VocabSize, 5),
            CancellationToken.None, TaskCreationOptions.None, exclusive);
        Assert.Equal(parallel, serial);
    }

    [Theory]
    [InlineData(Metric.WD)]
    [InlineData(Metric.JS)]
    [InlineData(Metric.MMD)]
    public void Symmetric_metrics_are_symmetric_with_zero_diagonal(Metric metric)
    {
        var d = DistanceMatrix.Compute(metric, Data.Tokens, Data.Names, Data.VocabSize, 5);
        for (var i = 0; i < Data.Tokens.Count; i++)
        {
            Assert.Equal(0.0, d[i, i]);
            for (var j = 0; j < i; j++)
            {
                Assert.Equal(d[i, j], d[j, i]);
                Assert.True(d[i, j] > 0, $"{metric}[{i},{j}] = {d[i, j]}");
            }
        }
    }

    [Fact]
    public void Progress_rises_to_the_number_of_tasks()
    {
        var progress = new Recorder();
        DistanceMatrix.Compute(Metric.KL, Data.Tokens, Data.Names, Data.VocabSize, 0, progress);
        Assert.NotEmpty(progress.Values);
        Assert.Equal(Data.Tokens.Count, progress.Values[^1]);
        Assert.Equal(progress.Values.Order(), progress.Values);
    }

    [Fact]
    public void Vector_log_is_within_two_ulp_of_Math_Log()
    {
        var random = new Random(4);
        var x = Enumerable.Range(0, 100_000)
            .Select(k => k % 3 == 0 ? Math.Exp(-40 * random.NextDouble()) : k % 3 == 1 ? 1 + (random.NextDouble() - 0.5) * 1e-6 : 1e-10 + random.NextDouble())
            .Append(1e-10).Append(1).Append(0.5).Append(Math.Sqrt(0.5)).Append(2).ToArray();
        var log = new double[x.Length];
        Histogram.Log(x, log);
        for (var k = 0; k < x.Length; k++)
        {
            var exact = Math.Log(x[k]);
            var ulp = Math.BitIncrement(Math.Abs(exact)) - Math.Abs(exact);
            Assert.True(Math.Abs(log[k] - exact) <= 2 * ulp, $"log({x[k]:R}) = {log[k]:R}, expected {exact:R}");
        }
    }

    [Fact]
    public void Synthetic_tasks_are_reproducible_and_in_range()
    {
        var again = DistanceBenchmark.Synthesize(70, 50, 3000, 2000, seed: 11);
        for (var t = 0; t < 70; t++)
        {
            Assert.Equal(Data.Tokens[t], again.Tokens[t]);
            Assert.InRange(Data.Tokens[t].Length, 50, 3000);
            Assert.All(Data.Tokens[t], id => Assert.InRange(id, 0, 1999));
        }
        Assert.NotEqual(Data.Tokens[0], DistanceBenchmark.Synthesize(1, 50, 3000, 2000, seed: 12).Tokens[0]);
    }

    private sealed class Recorder : IProgress<int>
    {
        public List<int> Values { get; } = [];

        public void Report(int value)
        {
            lock (Values) Values.Add(value);
        }
    }
}
