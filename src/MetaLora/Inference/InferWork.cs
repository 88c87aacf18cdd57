using MetaLora.Bank;
using MetaLora.Layout;
using MetaLora.Repro;

namespace MetaLora.Inference;

/// <summary>What one Infer run covers: the bank, the folders, the pipeline and this run's (checked) tasks.</summary>
internal sealed record InferWork(BankInfo Bank, DataLayout Layout, ResultsLayout Results, InferPipeline Pipeline, IReadOnlyList<string> Tasks, InferOptions Options)
{
    /// <summary>The most new tokens per sample: the options' if given, else the bank's.</summary>
    public int MaxNewTokens => Options.MaxNewTokens ?? Bank.Generation.MaxNewTokens;

    public string ItemsDir => Layout.ItemsDir(Pipeline.StageName());

    public string OutputFile(string task) => Results.OutputFile(Pipeline.Name, task);

    /// <summary>Content hashes of inputs, shared by every Infer stage of the data folder.</summary>
    public HashCache NewHashCache() => new(Path.Combine(Layout.ItemsDir(StageName.Of(StageKind.Infer)), "hashes.json"));

    /// <summary>Makes the output folder.</summary>
    public void PrepareOutputs() => Directory.CreateDirectory(Results.OutputsDir(Pipeline.Name));
}
