using System.Diagnostics;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using MetaLora.Formats;
using MetaLora.Model;
using MetaLora.Tokenization;
using Microsoft.ML.Tokenizers;
using TorchSharp;
using MetaLora.IO;

namespace MetaLora.Bank.Embedded;

/// <summary>
/// Builds the embedded bank into a folder in the bank contract: seeded task datasets, a compact GPT-2
/// vocabulary, a tiny Mistral trained from scratch on generic data, and one PEFT LoRA per task. The
/// work happens in <c>&lt;out&gt;.building</c>, which a killed build resumes from (per adapter), and
/// is renamed to the output at the end. Same options, same bytes: data come from seeded generators,
/// and every model runs on one torch thread, so float sums happen in one fixed order.
/// </summary>
internal static class EmbeddedBankBuilder
{
    public const string BankName = BankKindNames.Embedded;
    public const string BaseModelDir = "base_model";
    private const string ParamsFile = "build_params.txt";

    /// <summary>
    /// The bank's generation.max_new_tokens: its answers are a few words, so Infer stops far below the
    /// paper's 256 (an answer that does not end would otherwise run to 256 tokens, most of Infer's time).
    /// </summary>
    public const int MaxNewTokens = 48;

    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IReadOnlyList<BankTask> SelectTasks(EmbeddedBankOptions options)
    {
        IEnumerable<BankTask> tasks = options.Tasks <= 0 ? TaskCatalog.All : TaskCatalog.All.Take(options.Tasks);
        if (options.Only.Count > 0) tasks = tasks.Where(t => options.Only.Contains(t.Name) || options.Only.Contains(t.Family));
        var selected = tasks.ToArray();
        return selected.Length > 0 ? selected
            : throw new ArgumentException($"no task selected; families: {string.Join(", ", TaskCatalog.Families)}", nameof(options));
    }

    public static void Build(string outDir, EmbeddedBankOptions options, Action<string>? log = null)
    {
        log ??= _ => { };
        var output = Path.GetFullPath(outDir);
        var staging = output.TrimEnd(Path.DirectorySeparatorChar) + ".building";
        var paramsPath = Path.Combine(staging, ParamsFile);
        if (Directory.Exists(staging) && (!File.Exists(paramsPath) || File.ReadAllText(paramsPath) != options.Fingerprint()))
            Directory.Delete(staging, recursive: true);
        Directory.CreateDirectory(staging);
        AtomicFile.WriteAllText(paramsPath, options.Fingerprint());

        torch.set_num_threads(1);
        using var hold = FinalizerHold.Start();
        var tasks = SelectTasks(options);
        var clock = Stopwatch.StartNew();
        var datasets = WriteDatasets(staging, tasks, options);
        var generic = GenericCorpus.Samples(options.GenericSamples, options.Seed);
        var tokenizer = WriteTokenizer(staging, datasets.Values.SelectMany(s => s).Concat(generic));
        log($"datasets: {tasks.Count} tasks in {tasks.Select(t => t.Family).Distinct().Count()} families, compact vocabulary {tokenizer.VocabSize} ids ({clock.Elapsed.TotalSeconds:F1} s)");

        var baseDir = Path.Combine(staging, BaseModelDir);
        if (!File.Exists(Path.Combine(baseDir, MistralConfig.FileName)))
            TrainBase(baseDir, tokenizer, generic, options, log);
        else
            log("base model: kept from an interrupted build");

        hold.Cycle();
        TrainAdapters(staging, tasks, datasets, tokenizer, options, hold, log);
        WriteBankJson(staging, tasks, tokenizer);
        File.Delete(paramsPath);

        if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        Directory.Move(staging, output);
        log($"bank: {output} ({clock.Elapsed.TotalSeconds:F1} s)");
    }

    /// <summary>Splits per task: train, valid, test, from a generator seeded by (seed, task index).</summary>
    private static Dictionary<string, IReadOnlyList<Sample>> WriteDatasets(string root, IReadOnlyList<BankTask> tasks, EmbeddedBankOptions options)
    {
        var trainSets = new Dictionary<string, IReadOnlyList<Sample>>(StringComparer.Ordinal);
        for (var t = 0; t < tasks.Count; t++)
        {
            var task = tasks[t];
            var random = new Random(unchecked(options.Seed * 7919 + t + 1));
            var dir = Path.Combine(root, "datasets", task.Name);
            foreach (var (split, count) in new[] { ("train", options.TrainSamples), ("valid", options.ValidSamples), ("test", options.TestSamples) })
            {
                var samples = Enumerable.Range(0, count).Select(i => task.Sample($"{task.Name}-{split}-{i}", random)).ToArray();
                WriteJsonl(Path.Combine(dir, split + ".jsonl"), samples);
                if (split == "train") trainSets[task.Name] = samples;
                else trainSets[task.Name + "/" + split] = samples; // all splits feed the vocabulary
            }
        }
        return trainSets;
    }

    private static void WriteJsonl(string path, IEnumerable<Sample> samples)
    {
        var lines = samples.Select(s => JsonSerializer.Serialize(new JsonObject
        {
            ["id"] = s.Id,
            ["input"] = s.Input,
            ["output"] = new JsonArray(s.Output.Select(o => (JsonNode?)o).ToArray()),
        }, Json));
        AtomicFile.WriteAllText(path, string.Join("\n", lines) + "\n");
    }

    private static CompactTokenizer WriteTokenizer(string root, IEnumerable<Sample> corpus)
    {
        var gpt2 = TokenizerFactory.CreateTiktoken("gpt2 (built in)", "gpt2");
        // The model reads "input", writes " answer"; the pipeline's Tokenize stage reads "input" + "answer".
        var ids = CompactTokenizer.CollectBaseIds(gpt2, corpus.SelectMany(s => s.Output.SelectMany(o => new[] { " " + o, s.Input + o }).Prepend(s.Input)));
        var tokenizer = new CompactTokenizer(gpt2, "gpt2", ids);
        var dir = Path.Combine(root, BaseModelDir);
        Directory.CreateDirectory(dir);
        tokenizer.Save(Path.Combine(dir, CompactTokenizer.FileName));
        AtomicFile.WriteAllText(Path.Combine(dir, ModelTokenizer.ConfigFileName),
            """{"add_bos_token": true, "add_eos_token": false, "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "tokenizer_class": "MetaLoraCompactGpt2"}""" + "\n");
        return tokenizer;
    }

    /// <summary>
    /// Prompt = the input with BOS; target = a space, the first answer, then EOS (so the model learns to
    /// stop). The space makes the answer's words the same BPE pieces as in the input (GPT-2 has both
    /// "cat" and " cat"), as text reads "Output: cat"; the dataset keeps the answer without it.
    /// </summary>
    public static TrainingExample Example(Tokenizer tokenizer, Sample sample)
    {
        var prompt = tokenizer.EncodeToIds(sample.Input);
        var answer = tokenizer.EncodeToIds(" " + sample.Output[0]).Where(id => id != CompactTokenizer.BosId).Append(CompactTokenizer.EosId).ToArray();
        return new TrainingExample(prompt.ToArray(), answer);
    }

    private static void TrainBase(string dir, CompactTokenizer tokenizer, IReadOnlyList<Sample> generic, EmbeddedBankOptions options, Action<string> log)
    {
        var clock = Stopwatch.StartNew();
        var config = MistralConfig.Create(vocabSize: tokenizer.VocabSize, hiddenSize: options.HiddenSize, intermediateSize: options.IntermediateSize,
            numHiddenLayers: options.Layers, numAttentionHeads: options.Heads, numKeyValueHeads: options.KeyValueHeads,
            maxPositionEmbeddings: 512, bosTokenId: CompactTokenizer.BosId, eosTokenId: CompactTokenizer.EosId);
        using var model = MistralForCausalLM.Create(config, options.Seed);
        var data = generic.Select(s => Example(tokenizer, s)).ToArray();
        var training = new TrainingOptions
        {
            Steps = options.BaseSteps,
            BatchSize = options.BaseBatch,
            LearningRate = options.BaseLearningRate,
            WarmupSteps = Math.Min(50, options.BaseSteps),
            MinLearningRateRatio = 0.1,
            WeightDecay = 0.01,
            Seed = options.Seed,
        };
        // The base trains alone, so it may use more than one torch thread; the adapters' workers use one each.
        torch.set_num_threads(Math.Max(1, options.BaseThreads));
        TrainingResult result;
        try
        {
            result = Trainer.TrainFull(model, data, training);
        }
        finally
        {
            torch.set_num_threads(1);
        }
        // The config goes last: its presence marks a complete base model for a resumed build.
        var staging = dir + ".new";
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        MistralCheckpoint.Save(model, staging);
        File.Move(Path.Combine(staging, MistralCheckpoint.WeightsFileName), Path.Combine(dir, MistralCheckpoint.WeightsFileName), overwrite: true);
        File.Move(Path.Combine(staging, MistralConfig.FileName), Path.Combine(dir, MistralConfig.FileName), overwrite: true);
        Directory.Delete(staging, recursive: true);
        log($"base model: {Parameters(model)} parameters, {options.BaseSteps} steps, loss {Mean(result.Losses.Take(20)):F3} -> {Mean(result.Losses.TakeLast(20)):F3} ({clock.Elapsed.TotalSeconds:F1} s)");
    }

    private static void TrainAdapters(string root, IReadOnlyList<BankTask> tasks, Dictionary<string, IReadOnlyList<Sample>> datasets,
        CompactTokenizer tokenizer, EmbeddedBankOptions options, FinalizerHold hold, Action<string> log)
    {
        var pending = tasks.Select((t, i) => (Task: t, Index: i)).Where(t => !PeftAdapter.IsComplete(Path.Combine(root, "adapters", t.Task.Name))).ToArray();
        if (pending.Length < tasks.Count) log($"adapters: {tasks.Count - pending.Length} kept from an interrupted build");
        var workers = Math.Max(1, Math.Min(options.Workers, pending.Length));
        var baseDir = Path.Combine(root, BaseModelDir);
        // After each round of adapters (one per worker) every worker waits while the hold is cycled, so that
        // the scalars held back since the last round are freed while no torch call can be using one.
        using var round = new Barrier(workers, _ => hold.Cycle());
        ModelWorkers.Run(workers, w =>
        {
            using var leave = new BarrierExit(round);
            using var model = MistralCheckpoint.Load(baseDir);
            for (var k = w; k < pending.Length; k += workers)
            {
                var (task, index) = pending[k];
                // A native error (see FinalizerHold) restarts the adapter from scratch: its training is a pure
                // function of its seed and data, so the bytes are those of an uninterrupted run.
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        TrainAdapter(model, root, task, index, datasets[task.Name], tokenizer, options, log);
                        break;
                    }
                    catch (System.Runtime.InteropServices.ExternalException e) when (attempt < 3)
                    {
                        log($"adapter {task.Name}: native error, restarting it ({e.Message.Split('\n')[0]})");
                    }
                }
                round.SignalAndWait();
            }
        });
    }

    /// <summary>Leaves the barrier when a worker is done (or fails), so the others' rounds do not wait for it.</summary>
    private sealed class BarrierExit(Barrier barrier) : IDisposable
    {
        public void Dispose() => barrier.RemoveParticipant();
    }

    private static void TrainAdapter(MistralForCausalLM model, string root, BankTask task, int index, IReadOnlyList<Sample> train,
        CompactTokenizer tokenizer, EmbeddedBankOptions options, Action<string> log)
    {
        var clock = Stopwatch.StartNew();
        var folder = Path.Combine(root, "adapters", task.Name);
        var config = AdapterConfig.Create(PeftAdapter.ConfigPathIn(folder), options.LoraRank, options.LoraAlpha, options.LoraTargets, BaseModelDir);
        var seed = unchecked(options.Seed * 1_000_003L + index + 1);
        using var adapter = LoraAdapter.Create(model, config, options.SharedAdapterInit ? options.Seed : seed);
        try
        {
            var result = Trainer.TrainLora(model, adapter, train.Select(s => Example(tokenizer, s)).ToArray(), new TrainingOptions
            {
                Steps = options.LoraSteps,
                BatchSize = options.LoraBatch,
                LearningRate = options.LoraLearningRate,
                WarmupSteps = Math.Min(10, options.LoraSteps),
                Seed = seed,
            });
            adapter.Save(folder);
            log($"adapter {task.Name}: loss {Mean(result.Losses.Take(5)):F3} -> {Mean(result.Losses.TakeLast(10)):F3} ({clock.Elapsed.TotalSeconds:F1} s)");
        }
        finally
        {
            model.SetAdapter(null);
        }
    }

    private static void WriteBankJson(string root, IReadOnlyList<BankTask> tasks, CompactTokenizer tokenizer)
    {
        var bank = new JsonObject
        {
            ["name"] = BankName,
            ["base_model"] = BaseModelDir,
            ["tokenizer"] = new JsonObject
            {
                ["kind"] = "tiktoken-compact",
                ["model"] = tokenizer.BaseModel,
                ["path"] = $"{BaseModelDir}/{CompactTokenizer.FileName}",
            },
            ["vocab_size"] = tokenizer.VocabSize,
            ["tasks"] = new JsonArray(tasks.Select(t => (JsonNode?)t.Name).ToArray()),
            [BankGeneration.Key] = new JsonObject { [BankGeneration.MaxNewTokensKey] = MaxNewTokens },
            // Not part of the contract; the embedded evaluation reports per family from it.
            ["families"] = new JsonObject(tasks.Select(t => KeyValuePair.Create(t.Name, (JsonNode?)t.Family))),
        };
        AtomicFile.WriteAllText(Path.Combine(root, BankInfo.FileName),
            bank.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
    }

    private static long Parameters(MistralForCausalLM model) => model.parameters().Sum(p => p.numel());

    private static double Mean(IEnumerable<double> values) => values.DefaultIfEmpty(double.NaN).Average();

    internal static string Format(double value) => value.ToString("F4", CultureInfo.InvariantCulture);
}
