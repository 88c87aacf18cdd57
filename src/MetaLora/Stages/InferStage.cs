using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using MetaLora.Bank;
using MetaLora.Formats;
using MetaLora.Model;
using MetaLora.Pipeline;
using MetaLora.Pipeline.CodeIdentity;
using MetaLora.Serving;

namespace MetaLora.Stages;

/// <summary>
/// Infer: greedy generation for every test sample of every task, for one pipeline (no adapter, the
/// task's bank adapter, or its predicted adapter), as the paper's inference does (docs/pipeline.md):
/// prompt = the raw input with the tokenizer's BOS, no chat template; prediction = the decoded
/// continuation without surrounding white space (Mistral's SentencePiece decoding drops the leading
/// space too). Writes <c>models_generated_outputs/&lt;pipeline&gt;/&lt;task&gt;.jsonl</c> with
/// <c>{"id", "input", "reference", "prediction"}</c>, reference = <c>output[0]</c>.
/// <para>
/// Two engines generate: the tool's own model (<see cref="LocalInfer"/>, the default) or an
/// OpenAI-compatible inference server such as vLLM (<see cref="OpenAiInfer"/>, with
/// <see cref="InferOptions.Server"/>). Both write the same files and resume per task: a task is
/// redone only when its key changed (the code, the model, the adapter, the test split, the options),
/// so a killed run resumes and shards (<see cref="Shard"/>) started anywhere on a shared folder fill
/// the same outputs.
/// </para>
/// </summary>
public static class InferStage
{
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
        if (options.MaxNewTokens is < 1) throw new BadInputException($"--max-new-tokens={options.MaxNewTokens}: expected >= 1");
        if (options.BatchSize < 1) throw new BadInputException($"--batch-size={options.BatchSize}: expected >= 1");
        var all = bank.Take(options.Limit);
        var tasks = all.Where((_, i) => options.Shard.Includes(i)).ToArray();

        // Everything a pending task needs is checked before any model runs.
        foreach (var task in tasks)
        {
            Dataset.SplitFiles(bank.DatasetDir(task), "test");
            if (pipeline.AdapterDir(bank, layout, task) is { } adapter && !PeftAdapter.IsComplete(adapter))
                throw BadInputException.At(adapter, pipeline.IsPredicted
                    ? "no predicted adapter here; run the Predict target for this metric and model first"
                    : "no adapter_config.json + adapter_model.safetensors here; the bank is incomplete");
        }

        var work = new InferWork(bank, layout, results, pipeline, tasks, options);
        // The engine is chosen by the options alone, so each engine's code is reached only when named.
        return options.Server is { } server
            ? OpenAiInfer.Run(work, server, progress, log)
            : LocalInfer.Run(work, progress, log);
    }

    /// <summary>Writes a task's output file atomically: one JSON object per test sample, in the split's order.</summary>
    internal static void WriteOutputs(string path, IReadOnlyList<Sample> samples, IReadOnlyList<string> predictions) =>
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
    /// The identity of the code <c>lora infer</c> runs with the given stage parameters (the engine), from
    /// the tool's build: the same whether Infer runs as a stage or as a Slurm shard, and unchanged by
    /// edits to code it does not run (a killed Infer resumed after such an edit keeps its finished tasks).
    /// </summary>
    internal static string CodeKey(IReadOnlyDictionary<string, string> parameters)
    {
        using var code = CodeBase.Load();
        return CodeFingerprint.Combine(CodeFingerprint.Of(code, "infer", parameters));
    }

    /// <summary>A task's key: the engine's model key, the pipeline, the task's test split and its adapter's files.</summary>
    internal static string ItemKey(BankInfo bank, DataLayout layout, InferPipeline pipeline, string task, string modelKey, HashCache hashes)
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
