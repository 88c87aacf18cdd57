using static TorchSharp.torch;
using MetaLora.Prediction.Coefficients;
using MetaLora.Prediction.Coefficients.Mlp;
using MetaLora.Prediction.Coefficients.Mlp.Dense;
using MetaLora.Tests.Distances;

namespace MetaLora.Tests.Prediction;

[Collection(TorchState.Name)]
public sealed class MlpVersionTests
{
    private static MlpOptions Small(ulong seed = 7, int steps = 5) => new() { Hidden = 16, Steps = steps, Seed = seed };

    private static (double[,] Distances, double[,] Gram) RandomBank(int tasks, int parameters, int seed) =>
        (SyntheticBank.Distances(tasks, seed), SyntheticBank.Gram(SyntheticBank.Random(tasks, parameters, seed + 1)));

    [Theory]
    [InlineData(MlpEngine.Sweep)]
    [InlineData(MlpEngine.Dense)]
    public void SameSeedGivesIdenticalCoefficients(MlpEngine engine)
    {
        var (d, g) = RandomBank(12, 50, seed: 1);
        using var first = MlpVersion.Train(d, g, 50, Small() with { Engine = engine });
        using var second = MlpVersion.Train(d, g, 50, Small() with { Engine = engine });
        using var other = MlpVersion.Train(d, g, 50, Small(seed: 8) with { Engine = engine });

        Assert.Equal(first.Coefficients, second.Coefficients);
        Assert.Equal(first.Losses, second.Losses);
        Assert.Equal(first.Split.Train, second.Split.Train);
        Assert.NotEqual(first.Coefficients, other.Coefficients);
    }

    [Fact]
    public void TrainingLowersTheLossOnAClusteredBank()
    {
        const int parameters = 200;
        var (d, adapters) = SyntheticBank.Clustered(tasks: 15, clusters: 3, parameters, seed: 2);
        using var training = MlpVersion.Train(d, SyntheticBank.Gram(adapters), parameters, new MlpOptions { Hidden = 32, Seed = 3 });

        Assert.Equal(41, training.Losses.Count);
        Assert.True(training.Losses[^1] < 0.2 * training.Losses[0],
            $"loss went from {training.Losses[0]} to {training.Losses[^1]}");
        for (var t = 1; t < training.Losses.Count; t++)
            Assert.True(training.Losses[t] <= training.Losses[t - 1], $"loss rose at step {t}: {string.Join(", ", training.Losses)}");
    }

    [Fact]
    public void CoefficientsAreASoftminOverTheOtherTasks()
    {
        var (d, g) = RandomBank(9, 30, seed: 4);
        using var training = MlpVersion.Train(d, g, 30, Small());
        for (var i = 0; i < 9; i++)
        {
            Assert.Equal(0.0, training.Coefficients[i, i]);
            Close.Equal(1.0, Enumerable.Range(0, 9).Sum(j => training.Coefficients[i, j]), 1e-14, $"row {i}");
        }
    }

    [Fact]
    public void ChunkedTrainingEqualsFullBatchTraining()
    {
        const int tasks = 10, parameters = 40, hidden = 24, steps = 4;
        const ulong seed = 11;
        var (d, g) = RandomBank(tasks, parameters, seed: 5);
        // Chunks of 5 inputs: the 72 training inputs take 15 chunks, the last one partial.
        var options = new MlpOptions { Engine = MlpEngine.Dense, Hidden = hidden, Steps = steps, Seed = seed, ChunkBytes = 5L * hidden * sizeof(float) * 16 };
        Assert.Equal(5, DenseMlp.ChunkRows(hidden, options.ChunkBytes));
        using var chunked = MlpVersion.Train(d, g, parameters, options);

        // The plain way: f on the whole train block at once (diagonal included, masked by the loss).
        using var scope = NewDisposeScope();
        var train = chunked.Split.Train;
        var m = train.Count;
        var z = NormalizedVersion.Standardize(d);
        var zTrain = new float[m * m];
        var gTrain = new double[m, m];
        for (var a = 0; a < m; a++)
            for (var b = 0; b < m; b++)
            {
                zTrain[a * m + b] = (float)z[train[a], train[b]];
                gTrain[a, b] = g[train[a], train[b]];
            }
        var inputs = tensor(zTrain, [m * m, 1L]);
        var gram = from_array(gTrain);
        manual_seed((long)seed);
        using var mlp = new CoefficientMlp(hidden);
        using var adam = optim.Adam(mlp.parameters(), 1e-3);
        var losses = new List<double>();
        for (var step = 0; step < steps; step++)
        {
            adam.zero_grad();
            var loss = GramLoss.Loss(DenseMlp.Forward(mlp, inputs).reshape(m, m).to_type(ScalarType.Float64), gram, parameters);
            losses.Add(loss.item<double>());
            loss.backward();
            adam.step();
        }

        for (var step = 0; step < steps; step++)
            Close.Equal(losses[step], chunked.Losses[step], 1e-6, $"loss {step}");

        // Softmin ignores a constant added to every output of f, so the output bias, and the second
        // norm's bias for units active on every input, have an exactly zero gradient; Adam turns the
        // rounding noise in it into steps of random sign. Those parameters are compared by their effect.
        var expected = mlp.named_parameters().ToArray();
        var actual = chunked.Mlp.named_parameters().ToArray();
        Assert.Equal(expected.Select(p => p.name), actual.Select(p => p.name));
        for (var k = 0; k < expected.Length; k++)
        {
            if (expected[k].name is "output.bias" or "norm2.bias") continue;
            var e = expected[k].parameter.data<float>().ToArray();
            var a = actual[k].parameter.data<float>().ToArray();
            for (var q = 0; q < e.Length; q++)
                Assert.True(Math.Abs(e[q] - a[q]) <= 1e-5, $"{expected[k].name}[{q}]: {e[q]:R} vs {a[q]:R}");
        }
        using (no_grad())
        {
            var expectedOutputs = DenseMlp.Forward(mlp, inputs);
            var actualOutputs = DenseMlp.Forward(chunked.Mlp, inputs);
            var e = (expectedOutputs - expectedOutputs.mean()).data<float>().ToArray();
            var a = (actualOutputs - actualOutputs.mean()).data<float>().ToArray();
            for (var q = 0; q < e.Length; q++)
                Assert.True(Math.Abs(e[q] - a[q]) <= 1e-5, $"centred f output {q}: {e[q]:R} vs {a[q]:R}");
        }
        var coefficients = MlpVersion.Coefficients(mlp, d, MlpEngine.Dense);
        for (var i = 0; i < tasks; i++)
            for (var j = 0; j < tasks; j++)
                Assert.True(Math.Abs(coefficients[i, j] - chunked.Coefficients[i, j]) <= 1e-6, $"C[{i},{j}]");
    }

    [Fact]
    public void RowsOfBankTasksAreRowsOfTheMatrix()
    {
        const int tasks = 8;
        var (d, g) = RandomBank(tasks, 20, seed: 6);
        using var training = MlpVersion.Train(d, g, 20, Small());
        var again = MlpVersion.Coefficients(training.Mlp, d);
        for (var i = 0; i < tasks; i++)
        {
            var row = training.Row(ReferenceCoefficientTests.RowOf(d, i), self: i);
            for (var j = 0; j < tasks; j++)
            {
                Assert.True(Math.Abs(training.Coefficients[i, j] - row[j]) <= 1e-6, $"C[{i},{j}]: {training.Coefficients[i, j]} vs {row[j]}");
                Assert.True(Math.Abs(training.Coefficients[i, j] - again[i, j]) <= 1e-6, $"C[{i},{j}] recomputed");
            }
        }
    }

    [Fact]
    public void NewDatasetRowWeighsEveryBankTask()
    {
        var (d, g) = RandomBank(8, 20, seed: 7);
        using var training = MlpVersion.Train(d, g, 20, Small());
        double[] distances = [0.3, 1.2, 0.7, 2.0, 0.1, 0.9, 1.5, 0.4];
        var row = training.Row(distances);

        Assert.All(row, c => Assert.True(c > 0 && double.IsFinite(c)));
        Close.Equal(1.0, row.Sum(), 1e-14, "sum");
        // Only the standardised distances matter, as for the bank's own rows.
        var shifted = training.Row(distances.Select(x => 3 * x + 10).ToArray());
        for (var j = 0; j < row.Length; j++)
            Assert.True(Math.Abs(row[j] - shifted[j]) <= 1e-6, $"{j}: {row[j]} vs {shifted[j]}");
    }

    [Fact]
    public void SavedMlpGivesTheSameRows()
    {
        var (d, g) = RandomBank(8, 20, seed: 8);
        using var training = MlpVersion.Train(d, g, 20, Small());
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "mlp.bin");
        training.Mlp.Save(path);
        // The sweep trains in float64 and keeps f so.
        Assert.Equal(ScalarType.Float64, training.Mlp.DType);
        using var loaded = CoefficientMlp.Load(path, 16, ScalarType.Float64);

        double[] distances = [0.3, 1.2, 0.7, 2.0, 0.1, 0.9, 1.5, 0.4];
        Assert.Equal(training.Row(distances), MlpVersion.Row(loaded, distances));
        Assert.Throws<BadInputException>(() => CoefficientMlp.Load(path, 32, ScalarType.Float64));
        Assert.Throws<BadInputException>(() => CoefficientMlp.Load(path, 16, ScalarType.Float32));
        File.WriteAllText(path, "not parameters");
        Assert.Throws<BadInputException>(() => CoefficientMlp.Load(path, 16, ScalarType.Float64));
        Assert.Throws<BadInputException>(() => CoefficientMlp.Load(Path.Combine(dir.Path, "missing.bin"), 16));
    }

    [Fact]
    public void TooFewTrainingTasksOrBadOptionsAreBadInput()
    {
        var (d, g) = RandomBank(2, 5, seed: 9);
        var error = Assert.Throws<BadInputException>(() => MlpVersion.Train(d, g, 5, Small()));
        Assert.Contains("at least 2 training tasks", error.Message);

        var (d3, g3) = RandomBank(3, 5, seed: 9);
        Assert.Throws<BadInputException>(() => MlpVersion.Train(d3, g3, 5, Small() with { Hidden = 0 }));
        Assert.Throws<BadInputException>(() => MlpVersion.Train(d3, g3, 5, Small() with { TrainFraction = 0 }));
        Assert.Throws<BadInputException>(() => MlpVersion.Train(d3, g3, 5, Small() with { LearningRate = double.NaN }));
        Assert.Throws<ArgumentException>(() => MlpVersion.Train(d3, new double[2, 2], 5, Small()));
    }

    [Fact]
    public void SplitIsASeededEightyTwentyPartition()
    {
        var split = TaskSplit.Draw(502, 0.8, seed: 0);
        Assert.Equal(401, split.Train.Count);
        Assert.Equal(101, split.HeldOut.Count);
        Assert.Equal(Enumerable.Range(0, 502), split.Train.Concat(split.HeldOut).Order());
        Assert.Equal(split.Train.Order(), split.Train);
        Assert.Equal(split.HeldOut.Order(), split.HeldOut);

        Assert.Equal(split.Train, TaskSplit.Draw(502, 0.8, seed: 0).Train);
        Assert.NotEqual(split.Train, TaskSplit.Draw(502, 0.8, seed: 1).Train);
        Assert.Equal(8, TaskSplit.TrainCount(10, 0.8));
        Assert.Equal(4, TaskSplit.TrainCount(5, 0.8));
    }

    [Theory]
    [InlineData(MlpEngine.Sweep)]
    [InlineData(MlpEngine.Dense)]
    public void An_interrupted_training_resumes_from_its_checkpoint_with_the_same_result(MlpEngine engine)
    {
        var (d, g) = RandomBank(10, 40, seed: 4);
        using var dir = new TempDir();
        var options = Small(steps: 6) with { Engine = engine, CheckpointPath = dir["mlp.checkpoint"], CheckpointSeconds = 0 };
        using var uninterrupted = MlpVersion.Train(d, g, 40, Small(steps: 6) with { Engine = engine });

        Assert.Throws<OperationCanceledException>(() =>
            MlpVersion.Train(d, g, 40, options, new Stop(after: 4)).Dispose());
        Assert.True(File.Exists(dir["mlp.checkpoint"]));

        var reported = new List<int>();
        using var resumed = MlpVersion.Train(d, g, 40, options, new Recorder(reported));
        Assert.Equal([4, 5, 6], reported);
        Assert.Equal(uninterrupted.Losses, resumed.Losses);
        Assert.Equal(uninterrupted.Coefficients, resumed.Coefficients);
        Assert.False(File.Exists(dir["mlp.checkpoint"]));

        // Another training (another seed) ignores a checkpoint that is not its own.
        Assert.Throws<OperationCanceledException>(() => MlpVersion.Train(d, g, 40, options, new Stop(after: 2)).Dispose());
        var fresh = new List<int>();
        using var other = MlpVersion.Train(d, g, 40, options with { Seed = 99 }, new Recorder(fresh));
        Assert.Equal(1, fresh[0]);

        // Nor does the other engine: its state is not this engine's.
        Assert.Throws<OperationCanceledException>(() => MlpVersion.Train(d, g, 40, options, new Stop(after: 2)).Dispose());
        var otherEngine = new List<int>();
        using var switched = MlpVersion.Train(d, g, 40, options with { Engine = engine == MlpEngine.Sweep ? MlpEngine.Dense : MlpEngine.Sweep }, new Recorder(otherEngine));
        Assert.Equal(1, otherEngine[0]);
    }

    private sealed class Stop(int after) : IProgress<int>
    {
        public void Report(int value)
        {
            if (value == after) throw new OperationCanceledException();
        }
    }

    private sealed class Recorder(List<int> values) : IProgress<int>
    {
        public void Report(int value) => values.Add(value);
    }
}
