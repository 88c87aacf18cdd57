using System.Diagnostics;
using MetaLora.Formats;
using MetaLora.Model;
using MetaLora.Tests.Prediction;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace MetaLora.Tests.Model;

[Collection(TorchState.Name)]
public sealed class TrainingTests(ITestOutputHelper output) : IDisposable
{
    private const int Copy = 0, Rotate = 1, Reverse = 2;
    private static readonly string[] AllLinear = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];
    private readonly int _threads = SingleThreaded();

    // Tiny matrices gain nothing from threads, and on a busy 2-core machine OpenMP's waiting makes 2 threads ~10x slower.
    private static int SingleThreaded()
    {
        var threads = get_num_threads();
        set_num_threads(1);
        return threads;
    }

    public void Dispose() => set_num_threads(_threads);

    /// <summary>
    /// Lists of 3 symbols (ids 4..9) after BOS, a task separator (copy 3, rotate left 11, reverse 12), then
    /// the answer and EOS: [1 a b c SEP] → [answer 2].
    /// </summary>
    private static TrainingExample[] Task(int task, int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var list = Enumerable.Range(0, 3).Select(_ => random.Next(4, 10)).ToArray();
            int[] answer = task switch { Copy => list, Rotate => [.. list.Skip(1), list[0]], _ => [.. list.Reverse()] };
            return new TrainingExample([1, .. list, task == Copy ? 3 : 10 + task], [.. answer, 2]);
        }).ToArray();
    }

    private static MistralForCausalLM ToyModel(long seed) =>
        MistralForCausalLM.Create(MistralConfig.Create(vocabSize: 16, hiddenSize: 64, intermediateSize: 128, numHiddenLayers: 2,
            numAttentionHeads: 4, numKeyValueHeads: 2), seed);

    private static AdapterConfig LoraConfig(int r = 16, double dropout = 0) =>
        AdapterConfig.Create(PeftAdapter.ConfigFileName, r, 2 * r, AllLinear).With("lora_dropout", dropout);

    private static int[][] Answers(MistralForCausalLM model, IEnumerable<TrainingExample> data) =>
        Generation.Generate(model, data.Select(d => d.Prompt).ToArray(), new GenerationOptions { MaxNewTokens = 6 });

    private static int[][] Expected(IEnumerable<TrainingExample> data) => data.Select(d => d.Output.SkipLast(1).ToArray()).ToArray();

    /// <summary>
    /// How many prompts the model answers exactly. Tests ask for nearly all rather than all: another
    /// CPU's float rounding changes the training trajectory slightly and may flip one borderline answer.
    /// </summary>
    private static int Correct(MistralForCausalLM model, IReadOnlyList<TrainingExample> data) =>
        Answers(model, data).Zip(Expected(data)).Count(p => p.First.SequenceEqual(p.Second));

    [Fact]
    public void TinyBaseTrainedInFullThenLearnsToReverseListsWithLora()
    {
        var clock = Stopwatch.StartNew();
        // A base "pre-trained" on two list tasks: a frozen random head could not express confident predictions at all.
        var pretraining = Task(Copy, 48, seed: 1).Concat(Task(Rotate, 48, seed: 2)).ToArray();
        // Some trajectories of this toy stall well above the loss asked for below (about one base seed in
        // six, with or without MKL's fixed branch, each on other seeds); this one converges under both.
        using var model = ToyModel(seed: 3);
        var pre = Trainer.TrainFull(model, pretraining, new TrainingOptions { Steps = 300, BatchSize = 16, LearningRate = 1e-2, WarmupSteps = 10, Seed = 5 });
        Assert.True(pre.Losses[^1] < 0.1, $"pre-training ended at loss {pre.Losses[^1]}");
        var baseCorrect = Correct(model, pretraining);
        Assert.InRange(baseCorrect, 94, 96);

        var reverse = Task(Reverse, 48, seed: 3);
        using var adapter = LoraAdapter.Create(model, LoraConfig(), seed: 3);
        var reports = new List<TrainingProgress>();
        var result = Trainer.TrainLora(model, adapter, reverse,
            new TrainingOptions { Steps = 200, BatchSize = 16, LearningRate = 1e-2, WarmupSteps = 20, Seed = 4 }, new Reporter(reports.Add));
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s; base loss {pre.Losses[^1]:F4}; LoRA loss {result.Losses[0]:F3} -> {result.Losses[^1]:F4}");

        Assert.Equal(Enumerable.Range(1, 200), reports.Select(r => r.Step));
        Assert.True(result.Losses[^1] < 0.05, $"final loss {result.Losses[^1]}");
        Assert.InRange(Correct(model, reverse), 46, 48);
        // The base weights were frozen: without the adapter the model still does its old tasks.
        model.SetAdapter(null);
        Assert.Equal(baseCorrect, Correct(model, pretraining));
    }

    [Fact]
    public void ResumingFromACheckpointContinuesExactlyAsAnUninterruptedRun()
    {
        using var dir = new TempDir();
        var data = Task(Rotate, 20, seed: 6);
        var options = new TrainingOptions { Steps = 12, BatchSize = 4, LearningRate = 5e-3, WarmupSteps = 3, Seed = 7 };
        // Dropout makes the test sensitive to how the random generator is seeded after a resume.
        using var model = ToyModel(seed: 8);
        using var straight = LoraAdapter.Create(model, LoraConfig(r: 4, dropout: 0.1), seed: 9);
        var uninterrupted = Trainer.TrainLora(model, straight, data, options);

        using var resumed = LoraAdapter.Create(model, LoraConfig(r: 4, dropout: 0.1), seed: 9);
        var checkpoint = dir["checkpoint"];
        using (var cancel = new CancellationTokenSource())
        {
            var progress = new Reporter(p => { if (p.Step == 5) cancel.Cancel(); });
            Assert.Throws<OperationCanceledException>(() =>
                Trainer.TrainLora(model, resumed, data, options with { CheckpointDirectory = checkpoint, CheckpointEvery = 5 }, progress, cancel.Token));
        }
        Assert.True(File.Exists(Path.Combine(checkpoint, Trainer.StateFileName)));
        var rest = Trainer.TrainLora(model, resumed, data, options with { CheckpointDirectory = checkpoint, CheckpointEvery = 5 });

        Assert.Equal(5, rest.FirstStep);
        Assert.Equal(uninterrupted.Losses.Skip(5), rest.Losses);
        foreach (var (a, b) in straight.NamedParameters().Zip(resumed.NamedParameters()))
            Assert.True(a.Parameter.eq(b.Parameter).all().item<bool>(), a.Name);

        // A finished checkpoint resumes at the end: nothing left to do. Different options are refused.
        Assert.Empty(Trainer.TrainLora(model, resumed, data, options with { CheckpointDirectory = checkpoint }).Losses);
        var e = Assert.Throws<BadInputException>(() => Trainer.TrainLora(model, resumed, data, options with { CheckpointDirectory = checkpoint, Seed = 8 }));
        Assert.Contains("the checkpoint was made with seed 7", e.Message);
    }

    [Fact]
    public void SameSeedGivesTheSameRun()
    {
        var data = Task(Copy, 16, seed: 10);
        var options = new TrainingOptions { Steps = 6, BatchSize = 4, Seed = 11 };
        double[] Run()
        {
            using var model = ToyModel(seed: 12);
            using var adapter = LoraAdapter.Create(model, LoraConfig(r: 4, dropout: 0.2), seed: 13);
            return [.. Trainer.TrainLora(model, adapter, data, options).Losses];
        }
        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void LearningRateWarmsUpLinearlyThenFollowsACosine()
    {
        var options = new TrainingOptions { Steps = 11, WarmupSteps = 2, LearningRate = 1.0, MinLearningRateRatio = 0.1 };
        Assert.Equal(0.5, Trainer.LearningRateAt(0, options), 12);
        Assert.Equal(1.0, Trainer.LearningRateAt(1, options), 12);
        Assert.Equal(1.0, Trainer.LearningRateAt(2, options), 12);
        Assert.Equal(0.1 + 0.9 * 0.5 * (1 + Math.Cos(Math.PI * 4 / 8)), Trainer.LearningRateAt(6, options), 12);
        Assert.Equal(0.1, Trainer.LearningRateAt(10, options), 12);
    }

    [Fact]
    public void LossCountsOnlyOutputTokens()
    {
        using var model = ToyModel(seed: 14);
        TrainingExample[] examples = [new([1, 4, 5, 3], [6, 2]), new([1, 7, 3], [8, 9, 2])];
        var (ids, mask, labels) = Trainer.Batch(examples, CPU);
        Assert.Equal(new long[] { 1, 4, 5, 3, 6, 2, 1, 7, 3, 8, 9, 2 }, ids.data<long>().ToArray());
        Assert.Equal(new long[] { -100, -100, -100, -100, 6, 2, -100, -100, -100, 8, 9, 2 }, labels.data<long>().ToArray());

        // The mean over the five output tokens, each predicted from the position before it.
        using var noGrad = no_grad();
        using var logits = model.forward(ids, mask);
        var logProbabilities = logits.log_softmax(-1);
        var expected = -new[] { (0, 3, 6), (0, 4, 2), (1, 2, 8), (1, 3, 9), (1, 4, 2) }
            .Average(p => logProbabilities[p.Item1, p.Item2, p.Item3].item<float>());
        Assert.Equal(expected, Trainer.Loss(logits, labels).item<float>(), 5);

        // Training runs the head on those five positions only; the loss is the same.
        var (positions, targets) = Trainer.Targets(examples, ids.shape[1], CPU);
        Assert.Equal(new long[] { 3, 4, 8, 9, 10 }, positions.data<long>().ToArray());
        Assert.Equal(new long[] { 6, 2, 8, 9, 2 }, targets.data<long>().ToArray());
        using var selected = model.LogitsAt(ids, positions, mask);
        Assert.Equal(expected, nn.functional.cross_entropy(selected, targets).item<float>(), 5);
    }

    [Fact]
    public void TrainedAdapterAndItsBaseReloadFromFilesAsTheSameModel()
    {
        using var dir = new TempDir();
        var data = Task(Rotate, 16, seed: 15);
        using var model = ToyModel(seed: 16);
        MistralCheckpoint.Save(model, dir["base"]);
        using var adapter = LoraAdapter.Create(model, LoraConfig(r: 4), seed: 17);
        Trainer.TrainLora(model, adapter, data, new TrainingOptions { Steps = 5, BatchSize = 4, LearningRate = 1e-2, Seed = 18 });
        adapter.Save(dir["adapter"]);
        var expected = Answers(model, data);

        using var reloaded = MistralCheckpoint.Load(dir["base"]);
        using var loaded = LoraAdapter.Load(dir["adapter"], reloaded);
        reloaded.SetAdapter(loaded);
        Assert.Equal(expected, Answers(reloaded, data));
        using var untrained = ToyModel(seed: 16);
        Assert.NotEqual(expected, Answers(untrained, data));
    }

    private sealed class Reporter(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
