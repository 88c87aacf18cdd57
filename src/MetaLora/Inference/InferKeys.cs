using System.Security.Cryptography;
using System.Text;
using MetaLora.Bank;
using MetaLora.Formats;
using MetaLora.Layout;
using MetaLora.Repro;
using MetaLora.Repro.CodeIdentity;

namespace MetaLora.Inference;

/// <summary>What decides whether a task's Infer output is still good: the code that makes it and the task's inputs.</summary>
internal static class InferKeys
{
    /// <summary>
    /// The identity of the code <c>lora infer</c> runs with the given stage parameters (the engine), from
    /// the tool's build: the same whether Infer runs as a stage or as a Slurm shard, and unchanged by
    /// edits to code it does not run (a killed Infer resumed after such an edit keeps its finished tasks).
    /// </summary>
    public static string Code(IReadOnlyDictionary<string, string> parameters)
    {
        using var code = CodeBase.Load();
        return CodeFingerprint.Combine(CodeFingerprint.Of(code, StageVerbs.Infer, parameters));
    }

    /// <summary>A task's key: the engine's model key, the pipeline, the task's test split and its adapter's files.</summary>
    public static string Item(BankInfo bank, DataLayout layout, InferPipeline pipeline, string task, string modelKey, HashCache hashes)
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
