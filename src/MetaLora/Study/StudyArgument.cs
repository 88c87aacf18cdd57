using System.Globalization;
using MetaLora.Bank;
using MetaLora.Bank.Embedded;
using MetaLora.Distances;
using MetaLora.Inference;
using MetaLora.Inference.OpenAi;
using MetaLora.Layout;
using MetaLora.Prediction.Baselines;
using MetaLora.Prediction.Coefficients;
using MetaLora.Prediction.Coefficients.Mlp;
using MetaLora.Prediction.Combining;

namespace MetaLora.Study;

/// <summary>
/// One argument of a run (<c>./build.sh --name=value</c>, <c>lora run</c>, <c>status</c>, <c>plan</c>):
/// its name, the placeholder of its value (none for a switch), its default and what it does. The
/// defaults are the constants the parsers use, so the generated reference cannot drift from them.
/// </summary>
/// <param name="Name">The argument without its leading dashes.</param>
/// <param name="Value">The value's placeholder in the reference (<c>M</c> in <c>--metric=M</c>); null for a switch.</param>
/// <param name="Default">The default value as typed, or null when there is none or it is described in <paramref name="DefaultNote"/>.</param>
/// <param name="DefaultNote">What the default means or where it comes from, in Markdown.</param>
/// <param name="Help">What the argument does, in Markdown.</param>
internal sealed record StudyArgument(string Name, string? Value, string? Default, string DefaultNote, string Help)
{
    public bool IsSwitch => Value is null;

    /// <summary>Every argument a run accepts, in the order the reference lists them.</summary>
    public static IReadOnlyList<StudyArgument> All { get; } =
    [
        new("target", "NAME", StageGroup.Distances.Name, "", $"one of {Codes(StudyTarget.Names)}"),
        new("metric", "M", MetricNames.Default.ToString(), "the paper's default", $"{Codes(MetricNames.Table.Values.Select(m => m.ToString()))}, `all`, or a comma list"),
        new("bank", "NAME", BankKindNames.Default.Name(), "",
            "the bank the `Bank` target makes: `embedded` (built on the CPU) or `lots-of-loras` (fetched from the Hub; needs a token)"),
        new("bank-profile", "P", BankProfileNames.Default.Name(), "",
            "size of the embedded bank: `full` (the shipped bank) or `tiny` (6 tasks, a few training steps: for CI and tests)"),
        new("revision", "REV", null, "the commits pinned in `bank.json` (first fetch: `main`)",
            "with `--bank=lots-of-loras`: resolve every repository at this branch, tag or commit"),
        new("include-base-model", null, null, "",
            "with `--bank=lots-of-loras`: also fetch the base model's weights (14.5 GB; only Infer needs them)"),
        new("bank-dir", "PATH", null, $"`<data-dir>/{BankKindNames.Embedded}` or `<data-dir>/{DataLayout.RawInputFolder}`",
            "alone: a bank directory used as it is (no `Bank` stage); with `--bank`: where the `Bank` target puts the bank"),
        new("data-dir", "PATH", DataLayout.DefaultDataDir, "", "inputs and intermediates"),
        new("results-dir", "PATH", ResultsLayout.DefaultResultsDir, "", "tables, summaries, plots"),
        new("model", "NAME", CoefficientModelNames.Default.Name(), "",
            $"coefficient model: {Codes(CoefficientModelNames.Table.Values.Select(m => m.Name()))}, `all`, or a comma list"),
        new("mlp-hidden", "H", Whole(MlpOptions.DefaultHidden), "the paper's, on every bank",
            "hidden width of mlp_version's MLP (with the sweep engine a step costs about nH + H² for n training inputs; see [measurements](measurements.md#mlp_version-at-the-papers-size))"),
        new("mlp-engine", "E", MlpEngineNames.Default.Name(), "",
            "how mlp_version trains and applies f: `sweep` (exact, O(nH + H²) per step, float64) or `dense` (the O(nH²) TorchSharp reference in float32); a parameter of the mlp_version Coefficients stages ([definitions](definitions.md#how-f-is-computed-two-engines))"),
        new("limit", "N", "0", "all tasks", "use only the first N tasks of the bank"),
        new("seed", "N", Whole(StudyOptions.DefaultSeed), "", "seed of MMD's sampling and of mlp_version's split and initial weights"),
        new("max-new-tokens", "N", null, $"the bank's `generation.max_new_tokens` in bank.json (the embedded bank: `48`), else `{Whole(BankGeneration.PaperMaxNewTokens)}` (the paper's)",
            "most tokens Infer generates per sample; without it, the number is the bank's whatever path names the bank (see the [bank contract](bank.md))"),
        new("batch-size", "N", Whole(InferOptions.DefaultBatchSize), "",
            "samples Infer generates together (left-padded; part of the outputs' bytes, so a stage parameter)"),
        new("shard", "i/n", null, "",
            "with `--target=Infer`: generate only the tasks whose bank index mod n is i, at the same time as the other shards on the same folders (spread Infer over machines that share them); then one run without `--shard` records Infer and runs Evaluate and Report. See [sharded Infer runs](pipeline.md#sharded-infer-runs)"),
        new("engine", "E", InferEngineNames.Default.Name(), "",
            "what Infer generates with: `local` (the tool's own model) or `openai` (an OpenAI-compatible server such as vLLM; see [Infer on an inference server](serve.md))"),
        new("endpoint", "URL", null, "", "with `--engine=openai`: the server's URL, e.g. `http://gpu1:8000`"),
        new("served-model", "NAME", null, "the entry of `/v1/models` without a parent", "with `--engine=openai`: the base model's name on the server"),
        new("server-path-map", "LOCAL=REMOTE", null, "", "with `--engine=openai`: the server reads the folder LOCAL as REMOTE (comma list for several)"),
        new("concurrency", "N", Whole(OpenAiServerOptions.DefaultConcurrency), "", "with `--engine=openai`: requests in flight"),
        new("api-key-env", "NAME", OpenAiServerOptions.DefaultApiKeyVariable, "",
            "with `--engine=openai`: the variable holding the server's API key (never printed or written)"),
        new("executor", "E", ExecutorNames.Default.Name(), "",
            "where Infer runs: `local` (here) or `slurm` (an sbatch array job, one task per shard; see [Infer on a Slurm cluster](slurm.md))"),
        new("shards", "N", Whole(StudyOptions.DefaultShards), "", "with `--executor=slurm`: array tasks, each Infer's `--shard=i/N`"),
        Slurm("partition", "P", ""),
        Slurm("gres", "G", ""),
        Slurm("time", "T", ", e.g. `04:00:00`"),
        Slurm("account", "A", ""),
        Slurm("cpus-per-task", "N", ""),
        Slurm("mem", "M", ""),
        new("slurm-dry-run", null, null, "", "with `--executor=slurm`: only write the sbatch script, submit nothing, stop"),
        new("combine", "C", CombinerNames.Default.Name(), "",
            "how Predict combines the weighted adapters: `paper` (A's and B's summed separately), `linear-sqrt` (PEFT's linear rule), `delta` (the exact ΔW refactored to a LoRA), `all`, or a comma list; each combiner is its own Predict stage and pipeline (`<METRIC>_<model>+delta`, in `predicted_adapters/<METRIC>/<model>+delta/`). See [combiners](combiners.md)"),
        new("combine-rank", "R", null, "the bank's r", "with `delta`: the output adapters' rank"),
        new("top-k", "K", CombinerNames.AllCoefficients, "", "with `delta`: combine only each row's K largest coefficients (renormalised); `all` = N − 1"),
        new("baseline", "B", BaselineNames.None, "",
            "add baseline pipelines: `uniform` (the average of the other tasks' adapters, under each `--combine`: `uniform`, `uniform+delta`, ...), `nearest` (the closest task's own adapter per metric: `nearest_<METRIC>`), `all`, or a comma list"),
        new("adapter-init", "I", AdapterInitNames.Default.Name(), "",
            "the embedded bank the `Bank` target builds: `shared` (every adapter starts from one random A; `<data-dir>/embedded`) or `per-task` (each from its own; `<data-dir>/embedded-per-task`)"),
        new("force", null, null, "", "rerun the selected stages even when up to date"),
    ];

    /// <summary>The reference's Markdown table of <see cref="All"/>.</summary>
    public static string MarkdownTable()
    {
        var table = new System.Text.StringBuilder("| argument | default | meaning |\n| --- | --- | --- |\n");
        foreach (var a in All)
        {
            var usage = a.IsSwitch ? $"`--{a.Name}`" : $"`--{a.Name}={a.Value}`";
            var fallback = (a.Default, a.DefaultNote) switch
            {
                (null, var note) => note,
                (var value, "") => $"`{value}`",
                (var value, var note) => $"`{value}` ({note})",
            };
            table.Append(CultureInfo.InvariantCulture, $"| {usage} | {fallback} | {a.Help} |\n");
        }
        return table.ToString();
    }

    private static StudyArgument Slurm(string option, string value, string more) =>
        new($"slurm-{option}", value, null, "", $"with `--executor=slurm`: sbatch's `--{option}`, per shard{more}");

    private static string Codes(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"`{n}`"));

    private static string Whole(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Whole(ulong value) => value.ToString(CultureInfo.InvariantCulture);
}
