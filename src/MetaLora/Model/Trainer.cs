using System.Text.Json;
using MetaLora.Formats;
using TorchSharp.Modules;
using static TorchSharp.torch;
using MetaLora.IO;

namespace MetaLora.Model;

/// <summary>
/// The training loop: AdamW, linear warm-up then cosine decay, gradient clipping, cross-entropy on the
/// output tokens only (prompt and padding positions are masked out, as labels = −100 in Hugging Face),
/// batches drawn from seeded per-epoch shuffles, and a checkpoint (trainable weights, optimizer state,
/// step) that a later call resumes from. Dropout is reseeded at every step from (seed, step), so a
/// resumed run continues exactly as an uninterrupted one would; this reseeds torch's global generator.
/// </summary>
internal static class Trainer
{
    public const string WeightsFileName = "trainable.safetensors";
    public const string OptimizerFileName = "optimizer.bin";
    public const string StateFileName = "trainer.json";

    /// <summary>Trains <paramref name="adapter"/> (attached to <paramref name="model"/> here) with the base weights frozen.</summary>
    public static TrainingResult TrainLora(MistralForCausalLM model, LoraAdapter adapter, IReadOnlyList<TrainingExample> data, TrainingOptions options,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(adapter);
        if (!ReferenceEquals(model.Adapter, adapter)) model.SetAdapter(adapter);
        if (adapter.Layers.Any(l => l.Value.Merged))
            throw new InvalidOperationException("the adapter is merged into the base weights; unmerge it before training");
        model.SetBaseTrainable(false);
        var parameters = adapter.NamedParameters().ToArray();
        foreach (var (_, p) in parameters) p.requires_grad = true;
        return Train(model, parameters, data, options, progress, cancellationToken);
    }

    /// <summary>Trains every base weight (for tiny models, e.g. the embedded bank's base); any attached adapter is detached.</summary>
    public static TrainingResult TrainFull(MistralForCausalLM model, IReadOnlyList<TrainingExample> data, TrainingOptions options,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.SetAdapter(null);
        model.SetBaseTrainable(true);
        return Train(model, model.named_parameters().ToArray(), data, options, progress, cancellationToken);
    }

    /// <summary>The learning rate of step <paramref name="step"/> (0-based): linear warm-up, then cosine decay to the floor at the last step.</summary>
    public static double LearningRateAt(int step, TrainingOptions options)
    {
        if (step < options.WarmupSteps) return options.LearningRate * (step + 1) / options.WarmupSteps;
        var decaySteps = Math.Max(1, options.Steps - options.WarmupSteps - 1);
        var progress = Math.Min(1.0, (double)(step - options.WarmupSteps) / decaySteps);
        var floor = options.MinLearningRateRatio;
        return options.LearningRate * (floor + (1 - floor) * 0.5 * (1 + Math.Cos(Math.PI * progress)));
    }

    private static TrainingResult Train(MistralForCausalLM model, IReadOnlyList<(string Name, Parameter Parameter)> parameters,
        IReadOnlyList<TrainingExample> data, TrainingOptions options, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        Validate(model, data, options);
        var batches = new BatchOrder(data.Count, options.BatchSize, options.Seed);
        var device = model.parameters().First().device;
        using var optimizer = optim.AdamW(parameters.Select(p => p.Parameter), options.LearningRate, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay);
        var first = options.CheckpointDirectory is { } dir ? Resume(dir, parameters, optimizer, options) : 0;

        var losses = new List<double>();
        var wasTraining = model.training;
        model.train();
        try
        {
            for (var step = first; step < options.Steps; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                random.manual_seed(unchecked(options.Seed * 1_000_003 + step));
                var learningRate = LearningRateAt(step, options);
                foreach (var group in optimizer.ParamGroups) group.LearningRate = learningRate;

                var batch = batches.Indices(step).Select(i => data[i]).ToArray();
                var (ids, mask, _) = Batch(batch, device);
                var (positions, targets) = Targets(batch, ids.shape[1], device);
                optimizer.zero_grad();
                // Only the positions that predict an output token reach the head: the same mean as Loss over full logits.
                var loss = nn.functional.cross_entropy(model.LogitsAt(ids, positions, mask), targets);
                loss.backward();
                var norm = options.MaxGradNorm > 0
                    ? nn.utils.clip_grad_norm_(parameters.Select(p => p.Parameter), options.MaxGradNorm)
                    : double.NaN;
                optimizer.step();

                var value = loss.item<float>();
                losses.Add(value);
                progress?.Report(new TrainingProgress(step + 1, options.Steps, value, learningRate, norm));
                var last = step + 1 == options.Steps;
                if (options.CheckpointDirectory is { } folder && (last || (options.CheckpointEvery > 0 && (step + 1) % options.CheckpointEvery == 0)))
                    SaveCheckpoint(folder, step + 1, parameters, optimizer, options);
            }
        }
        finally
        {
            if (!wasTraining) model.eval();
            optimizer.zero_grad();
        }
        return new TrainingResult(first, losses);
    }

    /// <summary>Mean cross-entropy of each position's logits against the next token's label, labels −100 ignored.</summary>
    public static Tensor Loss(Tensor logits, Tensor labels)
    {
        using var scope = NewDisposeScope();
        var length = logits.shape[1];
        var predicted = logits.narrow(1, 0, length - 1).reshape(-1, logits.shape[2]);
        var targets = labels.narrow(1, 1, length - 1).reshape(-1);
        return nn.functional.cross_entropy(predicted, targets, ignore_index: -100).MoveToOuterDisposeScope();
    }

    /// <summary>Right-padded ids, attention mask and labels (−100 on prompt and padding) for a batch.</summary>
    internal static (Tensor Ids, Tensor Mask, Tensor Labels) Batch(IReadOnlyList<TrainingExample> examples, Device device)
    {
        var length = examples.Max(e => e.Prompt.Count + e.Output.Count);
        var ids = new long[examples.Count * length];
        var mask = new long[ids.Length];
        var labels = new long[ids.Length];
        Array.Fill(labels, -100);
        for (var b = 0; b < examples.Count; b++)
        {
            var row = b * length;
            var (prompt, output) = (examples[b].Prompt, examples[b].Output);
            for (var i = 0; i < prompt.Count; i++) (ids[row + i], mask[row + i]) = (prompt[i], 1);
            for (var i = 0; i < output.Count; i++)
            {
                var at = row + prompt.Count + i;
                (ids[at], mask[at], labels[at]) = (output[i], 1, output[i]);
            }
        }
        long[] shape = [examples.Count, length];
        return (tensor(ids, shape, device: device), tensor(mask, shape, device: device), tensor(labels, shape, device: device));
    }

    /// <summary>Flat positions (b · T + t) whose next token is an output token, and those tokens: what <see cref="Loss"/> scores.</summary>
    internal static (Tensor Positions, Tensor Targets) Targets(IReadOnlyList<TrainingExample> examples, long length, Device device)
    {
        var positions = new List<long>();
        var targets = new List<long>();
        for (var b = 0; b < examples.Count; b++)
        {
            var (prompt, output) = (examples[b].Prompt, examples[b].Output);
            for (var i = 0; i < output.Count; i++)
            {
                positions.Add(b * length + prompt.Count + i - 1);
                targets.Add(output[i]);
            }
        }
        return (tensor(positions.ToArray(), device: device), tensor(targets.ToArray(), device: device));
    }

    private static void Validate(MistralForCausalLM model, IReadOnlyList<TrainingExample> data, TrainingOptions options)
    {
        if (data.Count == 0) throw new ArgumentException("no training examples", nameof(data));
        if (options.Steps < 1 || options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), "Steps and BatchSize must be at least 1");
        if (options.WarmupSteps < 0 || options.WarmupSteps > options.Steps) throw new ArgumentOutOfRangeException(nameof(options), "WarmupSteps must be in [0, Steps]");
        for (var i = 0; i < data.Count; i++)
        {
            var e = data[i];
            if (e.Prompt.Count == 0 || e.Output.Count == 0)
                throw new ArgumentException($"example {i} needs a non-empty prompt and output", nameof(data));
            if (e.Prompt.Concat(e.Output).Any(t => t < 0 || t >= model.Config.VocabSize))
                throw new ArgumentException($"example {i} has a token id outside the vocabulary [0, {model.Config.VocabSize})", nameof(data));
        }
    }

    private static void SaveCheckpoint(string folder, int step, IReadOnlyList<(string Name, Parameter Parameter)> parameters, OptimizerHelper optimizer, TrainingOptions options)
    {
        // Written beside the old checkpoint and swapped in, so a crash leaves one complete checkpoint.
        var staging = folder + ".new";
        var previous = folder + ".old";
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        Directory.CreateDirectory(staging);
        var specs = parameters.Select(p => new TensorSpec(p.Name, ModelDType.ToSafetensors(p.Parameter.dtype), p.Parameter.shape)).ToArray();
        var byName = parameters.ToDictionary(p => p.Name, p => p.Parameter, StringComparer.Ordinal);
        SafetensorsWriter.Write(Path.Combine(staging, WeightsFileName), specs, (spec, sink) =>
        {
            using var contiguous = byName[spec.Name].detach().cpu().contiguous();
            sink.Write(contiguous.bytes);
        });
        optimizer.save_state_dict(Path.Combine(staging, OptimizerFileName));
        var state = new CheckpointState(step, options.Steps, options.BatchSize, options.Seed);
        AtomicFile.WriteAllBytes(Path.Combine(staging, StateFileName), JsonSerializer.SerializeToUtf8Bytes(state));

        if (Directory.Exists(previous)) Directory.Delete(previous, recursive: true);
        if (Directory.Exists(folder)) Directory.Move(folder, previous);
        Directory.Move(staging, folder);
        if (Directory.Exists(previous)) Directory.Delete(previous, recursive: true);
    }

    /// <summary>Loads the checkpoint in <paramref name="folder"/> if there is one; returns the step to continue from.</summary>
    private static int Resume(string folder, IReadOnlyList<(string Name, Parameter Parameter)> parameters, OptimizerHelper optimizer, TrainingOptions options)
    {
        // A crash between the two renames of SaveCheckpoint leaves only the previous checkpoint.
        if (!Directory.Exists(folder) && Directory.Exists(folder + ".old")) Directory.Move(folder + ".old", folder);
        var statePath = Path.Combine(folder, StateFileName);
        if (!File.Exists(statePath)) return 0;

        CheckpointState state;
        try { state = JsonSerializer.Deserialize<CheckpointState>(File.ReadAllBytes(statePath)) ?? throw new JsonException("null"); }
        catch (JsonException e) { throw BadInputException.At(statePath, $"not a trainer checkpoint state ({e.Message.ReplaceLineEndings(" ")})"); }
        if (state.Seed != options.Seed || state.BatchSize != options.BatchSize || state.Steps != options.Steps)
            throw BadInputException.At(statePath, $"the checkpoint was made with seed {state.Seed}, batch size {state.BatchSize}, {state.Steps} steps; this run asks for {options.Seed}, {options.BatchSize}, {options.Steps} (use another checkpoint folder)");

        var weightsPath = Path.Combine(folder, WeightsFileName);
        using var reader = SafetensorsReader.Open(weightsPath);
        using (no_grad())
        {
            foreach (var (name, parameter) in parameters)
            {
                if (!reader.Header.TryGet(name, out var info))
                    throw BadInputException.At(weightsPath, $"tensor '{name}' is missing (the checkpoint is for other trainable weights)");
                if (!info.Shape.SequenceEqual(parameter.shape) || ModelDType.FromSafetensors(info.DType) != parameter.dtype)
                    throw BadInputException.At(weightsPath, $"tensor '{name}' is {info.DType.HeaderName()} {Safetensors.FormatShape(info.Shape)}, the model's is {ModelDType.ToSafetensors(parameter.dtype).HeaderName()} {Safetensors.FormatShape(parameter.shape)}");
                using var values = empty(parameter.shape, parameter.dtype);
                reader.CopyBytes(info, 0, values.bytes);
                parameter.copy_(values);
            }
            if (reader.Tensors.Count != parameters.Count)
                throw BadInputException.At(weightsPath, $"holds {reader.Tensors.Count} tensors, the run trains {parameters.Count}");
        }
        optimizer.load_state_dict(Path.Combine(folder, OptimizerFileName));
        return state.Step;
    }

    private sealed record CheckpointState(int Step, int Steps, int BatchSize, long Seed);

    /// <summary>
    /// Which examples step s trains on: example k of the run (k = s·batch + i) is position k mod N of
    /// epoch k div N's shuffle, each epoch shuffled by its own seeded generator, so any step's batch is
    /// known without replaying the earlier ones.
    /// </summary>
    private sealed class BatchOrder(int count, int batchSize, long seed)
    {
        private readonly Dictionary<long, int[]> _epochs = [];

        public IEnumerable<int> Indices(int step)
        {
            for (var i = 0; i < batchSize; i++)
            {
                var k = (long)step * batchSize + i;
                yield return Epoch(k / count)[k % count];
            }
        }

        private int[] Epoch(long epoch)
        {
            if (_epochs.TryGetValue(epoch, out var order)) return order;
            order = Enumerable.Range(0, count).ToArray();
            // Random(int) is the stable legacy algorithm: the same seed gives the same shuffle on every .NET version.
            new Random(unchecked((int)(seed * 1_000_003 + epoch * 7919))).Shuffle(order);
            _epochs[epoch] = order;
            return order;
        }
    }
}
