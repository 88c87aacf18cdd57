using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using MetaLora.Bank;
using MetaLora.Formats;
using MetaLora.Model;
using MetaLora.Pipeline;
using MetaLora.Pipeline.CodeIdentity;
using Microsoft.ML.Tokenizers;
using TorchSharp;

namespace MetaLora.Stages;

/// <summary>
/// Infer: greedy generation for every test sample of every task, for one pipeline (no adapter, the
/// task's bank adapter, or its predicted adapter), as the paper's inference does (docs/pipeline.md):
/// prompt = the raw input with the tokenizer's BOS, no chat template; prediction = the decoded
/// continuation without surrounding white space (Mistral's SentencePiece decoding drops the leading
/// space too). Writes <c>models_generated_outputs/&lt;pipeline&gt;/&lt;task&gt;.jsonl</c> with
/// <c>{"id", "input", "reference", "prediction"}</c>, reference = <c>output[0]</c>.
/// <para>
/// The base model is loaded once per worker and adapters are swapped in per task. A task is redone
/// only when its key changed (the code, the base model, the adapter, the test split, the options), so a
/// killed run resumes and shards (<see cref="Shard"/>) started anywhere on a shared folder fill the
/// same outputs. Models whose weights are small run on several worker threads with one torch thread
/// each (results do not depend on the machine's cores); large ones on one worker with all cores.
/// </para>
/// </summary>
public static class InferStage
{
    /// <summary>Weights up to this size are copied per worker; above it one model uses every core.</summary>
    private const long SmallModelBytes = 256L << 20;

    private static readonly JsonWriterOptions LineOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public sealed record Summary(int Tasks, int Generated, int Kept, int Samples, int Truncated);

    public static string StageName(InferPipeline pipeline) => "Infer." + pipeline.Name;

    public static string BaseModelDir(BankInfo bank)
    {
        var dir = Path.Combine(bank.Directory, bank.BaseModel ?? "base_model");
        return MistralCheckpoint.Exists(dir) ? dir
            : throw BadInputException.At(dir, "no base model weights (config.json and *.safetensors); the Lots-of-LoRAs bank needs --include-base-model for inference");
    }

    public static Summary Run(BankInfo bank, DataLayout layout, ResultsLayout results, InferPipeline pipeline, InferOptions options,
        IProgress<int>? progress = null, Action<string>? log = null)
    {
        if (options.MaxNewTokens < 1) throw new BadInputException($"--max-new-tokens={options.MaxNewTokens}: expected >= 1");
        if (options.BatchSize < 1) throw new BadInputException($"--batch-size={options.BatchSize}: expected >= 1");
        var all = bank.Take(options.Limit);
        var tasks = all.Where((_, i) => options.Shard.Includes(i)).ToArray();
        var modelDir = BaseModelDir(bank);
        var itemsDir = layout.ItemsDir(StageName(pipeline));
        Directory.CreateDirectory(itemsDir);
        var hashes = new HashCache(Path.Combine(layout.ItemsDir("Infer"), "hashes.json"));
        var ledger = new ItemLedger(itemsDir);

        // Everything a pending task needs is checked before any model runs.
        foreach (var task in tasks)
        {
            Dataset.SplitFiles(bank.DatasetDir(task), "test");
            if (pipeline.AdapterDir(bank, layout, task) is { } adapter && !PeftAdapter.IsComplete(adapter))
                throw BadInputException.At(adapter, pipeline.IsPredicted
                    ? "no predicted adapter here; run the Predict target for this metric and model first"
                    : "no adapter_config.json + adapter_model.safetensors here; the bank is incomplete");
        }

        var weightBytes = Directory.EnumerateFiles(modelDir, "*.safetensors").Sum(f => new FileInfo(f).Length);
        var small = weightBytes <= SmallModelBytes;
        var torchThreads = small ? 1 : Environment.ProcessorCount;
        var modelKey = ModelKey(modelDir, hashes, options, torchThreads);
        var keys = tasks.ToDictionary(t => t, t => ItemKey(bank, layout, pipeline, t, modelKey, hashes));
        hashes.Save();
        var pending = tasks.Where(t => options.Force || !ledger.IsDone(t, keys[t], results.OutputFile(pipeline.Name, t))).ToArray();
        var done = tasks.Length - pending.Length;
        progress?.Report(done);
        if (pending.Length == 0) return new Summary(tasks.Length, 0, tasks.Length, 0, 0);

        Directory.CreateDirectory(results.OutputsDir(pipeline.Name));
        // Only this run's tasks: shards sharing the folder may be writing theirs right now.
        foreach (var task in pending) AtomicFile.RemoveLeftovers(results.OutputsDir(pipeline.Name), task + ".jsonl");
        var workers = options.Workers > 0 ? options.Workers : small ? Environment.ProcessorCount : 1;
        workers = Math.Clamp(workers, 1, pending.Length);
        var previousThreads = torch.get_num_threads();
        torch.set_num_threads(torchThreads);
        var next = -1;
        int samples = 0, truncated = 0;
        try
        {
            ModelWorkers.Run(workers, _ =>
            {
                using var model = MistralCheckpoint.Load(modelDir);
                var tokenizer = ModelTokenizer.FromFolder(modelDir, model.Config);
                for (var k = Interlocked.Increment(ref next); k < pending.Length; k = Interlocked.Increment(ref next))
                {
                    var task = pending[k];
                    var clock = Stopwatch.StartNew();
                    var (count, cut) = RunTask(model, tokenizer, bank, layout, results, pipeline, task, options);
                    ledger.MarkDone(task, keys[task], results.OutputFile(pipeline.Name, task));
                    Interlocked.Add(ref samples, count);
                    Interlocked.Add(ref truncated, cut);
                    progress?.Report(Interlocked.Increment(ref done));
                    if (clock.Elapsed.TotalSeconds >= 10)
                        log?.Invoke($"{StageName(pipeline)}: {task}: {count} samples in {clock.Elapsed.TotalSeconds:0.0} s");
                }
            });
        }
        finally
        {
            torch.set_num_threads(previousThreads);
        }
        return new Summary(tasks.Length, pending.Length, tasks.Length - pending.Length, samples, truncated);
    }

    private static (int Samples, int Truncated) RunTask(MistralForCausalLM model, Tokenizer tokenizer, BankInfo bank, DataLayout layout,
        ResultsLayout results, InferPipeline pipeline, string task, InferOptions options)
    {
        var test = Dataset.ReadSplit(bank.DatasetDir(task), "test");
        // Room for the answer within the model's positions: long prompts keep BOS and their end.
        var room = model.Config.MaxPositionEmbeddings - options.MaxNewTokens;
        if (room < 2) throw BadInputException.At(model.Config.Path, $"max_position_embeddings {model.Config.MaxPositionEmbeddings} leaves no room for a prompt with --max-new-tokens={options.MaxNewTokens}");
        var truncated = 0;
        var prompts = test.Select(s =>
        {
            var ids = tokenizer.EncodeToIds(s.Input);
            if (ids.Count <= room) return ids;
            truncated++;
            return (IReadOnlyList<int>)[ids[0], .. ids.Skip(ids.Count - room + 1)];
        }).ToArray();

        var predictions = new string[test.Count];
        LoraAdapter? adapter = null;
        try
        {
            if (pipeline.AdapterDir(bank, layout, task) is { } dir)
            {
                adapter = LoraAdapter.Load(dir, model);
                model.SetAdapter(adapter);
            }
            // Similar lengths share a batch (less padding); the order is fixed, so are the results.
            var order = Enumerable.Range(0, prompts.Length).OrderBy(i => prompts[i].Count).ToArray();
            var generation = new GenerationOptions { MaxNewTokens = options.MaxNewTokens };
            foreach (var batch in order.Chunk(options.BatchSize))
            {
                var outputs = Generation.Generate(model, batch.Select(i => prompts[i]).ToArray(), generation);
                for (var b = 0; b < batch.Length; b++)
                    predictions[batch[b]] = tokenizer.Decode(outputs[b]).Trim();
            }
        }
        finally
        {
            model.SetAdapter(null);
            adapter?.Dispose();
        }
        WriteOutputs(results.OutputFile(pipeline.Name, task), test, predictions);
        return (test.Count, truncated);
    }

    private static void WriteOutputs(string path, IReadOnlyList<Sample> samples, string[] predictions) =>
        AtomicFile.Write(path, stream =>
        {
            for (var i = 0; i < samples.Count; i++)
            {
                using (var json = new Utf8JsonWriter(stream, LineOptions))
                {
                    json.WriteStartObject();
                    json.WriteString("id", samples[i].Id);
                    json.WriteString("input", samples[i].Input);
                    json.WriteString("reference", samples[i].Output.Count > 0 ? samples[i].Output[0] : "");
                    json.WriteString("prediction", predictions[i]);
                    json.WriteEndObject();
                }
                stream.WriteByte((byte)'\n');
            }
        });

    /// <summary>
    /// The identity of the code <c>lora infer</c> runs, from the tool's build: the same whether Infer
    /// runs as a stage or as a Slurm shard, and unchanged by edits to code it does not run (a killed
    /// Infer resumed after such an edit keeps its finished tasks).
    /// </summary>
    private static readonly Lazy<string> CodeKey = new(() =>
    {
        using var code = CodeBase.Load();
        return CodeFingerprint.Combine(CodeFingerprint.Of(code, "infer", new Dictionary<string, string>()));
    });

    /// <summary>The code, the base model's files and the generation settings.</summary>
    private static string ModelKey(string modelDir, HashCache hashes, InferOptions options, int torchThreads)
    {
        var sb = new StringBuilder("infer 2\n")
            .Append(CodeKey.Value).Append('\n')
            .Append($"max_new_tokens={options.MaxNewTokens} batch_size={options.BatchSize} torch_threads={torchThreads}\n");
        foreach (var file in Directory.EnumerateFiles(modelDir).Order(StringComparer.Ordinal))
            sb.Append(Path.GetFileName(file)).Append('\t').Append(hashes.Hash(file)).Append('\n');
        return sb.ToString();
    }

    private static string ItemKey(BankInfo bank, DataLayout layout, InferPipeline pipeline, string task, string modelKey, HashCache hashes)
    {
        var sb = new StringBuilder(modelKey).Append(pipeline.Name).Append('\n');
        foreach (var file in Dataset.SplitFiles(bank.DatasetDir(task), "test"))
            sb.Append("test\t").Append(hashes.Hash(file)).Append('\n');
        if (pipeline.AdapterDir(bank, layout, task) is { } adapter)
            foreach (var file in new[] { PeftAdapter.ConfigPathIn(adapter), PeftAdapter.WeightsPathIn(adapter) })
                sb.Append(Path.GetFileName(file)).Append('\t').Append(hashes.Hash(file)).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }
}
