using MetaLora.Bank;
using MetaLora.Formats;
using MetaLora.Inference;
using MetaLora.Inference.Local;
using MetaLora.Inference.OpenAi;
using MetaLora.Layout;

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
/// OpenAI-compatible inference server such as vLLM (<see cref="OpenAiInfer"/>, given its
/// <see cref="OpenAiServerOptions"/>). Both write the same files and resume per task: a task is
/// redone only when its key changed (the code, the model, the adapter, the test split, the options),
/// so a killed run resumes and shards (<see cref="Shard"/>) started anywhere on a shared folder fill
/// the same outputs.
/// </para>
/// </summary>
internal static class InferStage
{
    /// <summary>Runs Infer for one pipeline, on the tool's own model or, given <paramref name="server"/>, on an OpenAI-compatible server.</summary>
    public static InferSummary Run(BankInfo bank, DataLayout layout, ResultsLayout results, InferPipeline pipeline, InferOptions options,
        OpenAiServerOptions? server = null, IProgress<int>? progress = null, Action<string>? log = null)
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
        // The engine is chosen by the arguments alone, so each engine's code is reached only when named.
        return server is not null
            ? OpenAiInfer.Run(work, server, progress, log)
            : LocalInfer.Run(work, progress, log);
    }
}
