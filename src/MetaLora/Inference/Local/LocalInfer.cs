using System.Diagnostics;
using System.Text;
using MetaLora.Bank;
using MetaLora.Model;
using Microsoft.ML.Tokenizers;
using TorchSharp;
using MetaLora.Repro;
using MetaLora.Repro.CodeIdentity;

namespace MetaLora.Inference.Local;

/// <summary>
/// Infer on the tool's own model (the default engine). The base model is loaded once per worker and
/// adapters are swapped in per task. Models whose weights are small run on several worker threads
/// with one torch thread each; large ones on one worker with a fixed number of threads. The count is
/// the model's, never the machine's: MKL splits a matrix product differently on 3 threads than on 2 or
/// 4 and rounds otherwise, so a count taken from the cores would give other bytes on another machine.
/// </summary>
[StageVariant(InferEngineNames.Parameter, InferEngineNames.Local, IsDefault = true)]
internal static class LocalInfer
{
    /// <summary>Weights up to this size are copied per worker; above it one model uses every core.</summary>
    public const long SmallModelBytes = 256L << 20;

    /// <summary>
    /// The identity of the code <c>lora infer</c> runs with this engine; computed once per process.
    /// </summary>
    private static readonly Lazy<string> CodeKey = new(() => InferKeys.Code(new Dictionary<string, string>()));

    public static InferSummary Run(InferWork work, IProgress<int>? progress, Action<string>? log)
    {
        var (bank, layout, results, pipeline, tasks, options) = work;
        var modelDir = BaseModelFolder.Of(bank);
        Directory.CreateDirectory(work.ItemsDir);
        var hashes = work.NewHashCache();
        var ledger = new ItemLedger(work.ItemsDir);

        var torchThreads = TorchThreads(modelDir);
        var modelKey = ModelKey(modelDir, hashes, work.MaxNewTokens, options.BatchSize);
        var keys = tasks.ToDictionary(t => t, t => InferKeys.Item(bank, layout, pipeline, t, modelKey, hashes));
        hashes.Save();
        var pending = tasks.Where(t => options.Force || !ledger.IsDone(t, keys[t], work.OutputFile(t))).ToArray();
        var done = tasks.Count - pending.Length;
        progress?.Report(done);
        if (pending.Length == 0) return new InferSummary(tasks.Count, 0, tasks.Count, 0, 0);

        work.PrepareOutputs();
        var workers = options.Workers > 0 ? options.Workers : torchThreads == 1 ? Environment.ProcessorCount : 1;
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
                    var (count, cut) = RunTask(model, tokenizer, work, task);
                    ledger.MarkDone(task, keys[task], work.OutputFile(task));
                    Interlocked.Add(ref samples, count);
                    Interlocked.Add(ref truncated, cut);
                    progress?.Report(Interlocked.Increment(ref done));
                    if (clock.Elapsed.TotalSeconds >= 10)
                        log?.Invoke($"{pipeline.StageName()}: {task}: {count} samples in {clock.Elapsed.TotalSeconds:0.0} s");
                }
            });
        }
        finally
        {
            torch.set_num_threads(previousThreads);
        }
        return new InferSummary(tasks.Count, pending.Length, tasks.Count - pending.Length, samples, truncated);
    }

    /// <summary>Torch threads of a large model's one worker, on every machine (a power of two, as MKL's blocking likes).</summary>
    public const int LargeModelThreads = 8;

    /// <summary>One torch thread per worker for small models, <see cref="LargeModelThreads"/> for a large one.</summary>
    public static int TorchThreads(string modelDir)
    {
        var weightBytes = Directory.EnumerateFiles(modelDir, "*.safetensors").Sum(f => new FileInfo(f).Length);
        return weightBytes <= SmallModelBytes ? 1 : LargeModelThreads;
    }

    private static (int Samples, int Truncated) RunTask(MistralForCausalLM model, Tokenizer tokenizer, InferWork work, string task)
    {
        var options = work.Options;
        var test = Dataset.ReadSplit(work.Bank.DatasetDir(task), "test");
        var truncated = 0;
        var prompts = test.Select(s =>
        {
            var (ids, cut) = PromptIds.Encode(tokenizer, s.Input, model.Config, work.MaxNewTokens);
            if (cut) truncated++;
            return ids;
        }).ToArray();

        var predictions = new string[test.Count];
        LoraAdapter? adapter = null;
        try
        {
            if (work.Pipeline.AdapterDir(work.Bank, work.Layout, task) is { } dir)
            {
                adapter = LoraAdapter.Load(dir, model);
                model.SetAdapter(adapter);
            }
            // Similar lengths share a batch (less padding); the order is fixed, so are the results.
            var order = Enumerable.Range(0, prompts.Length).OrderBy(i => prompts[i].Count).ToArray();
            var generation = new GenerationOptions { MaxNewTokens = work.MaxNewTokens };
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
        InferOutputs.Write(work.OutputFile(task), test, predictions);
        return (test.Count, truncated);
    }

    /// <summary>
    /// The code, the base model's files and the generation settings, as resolved: a run that takes
    /// max_new_tokens from the bank and one that names the same number find each other's tasks done.
    /// Not the machine's core count, which sets only how many tasks run at once: a node with other
    /// cores finds the same tasks up to date.
    /// </summary>
    private static string ModelKey(string modelDir, HashCache hashes, int maxNewTokens, int batchSize)
    {
        var sb = new StringBuilder("infer 3\n")
            .Append(CodeKey.Value).Append('\n')
            .Append($"max_new_tokens={maxNewTokens} batch_size={batchSize}\n");
        foreach (var file in Directory.EnumerateFiles(modelDir).Order(StringComparer.Ordinal))
            sb.Append(Path.GetFileName(file)).Append('\t').Append(hashes.Hash(file)).Append('\n');
        return sb.ToString();
    }
}
