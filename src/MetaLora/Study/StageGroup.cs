using MetaLora.Repro;

namespace MetaLora.Study;

/// <summary>
/// A build-script task that runs stages: its name (the paper's step), what it makes, and the kinds of
/// stage it holds. <see cref="All"/> is the one list, in dependency order; the build script makes one
/// task per entry.
/// </summary>
/// <param name="Name">The task's name, the paper's step.</param>
/// <param name="Description">What the task makes, as the build script's help shows it.</param>
/// <param name="Kinds">The kinds of stage it runs.</param>
/// <param name="NeedsOwnBank">Skipped when <c>--bank-dir</c> alone names a bank, used as it is.</param>
/// <param name="AfterInfer">Has nothing to do after a Slurm dry run, which generates nothing.</param>
public sealed record StageGroup(string Name, string Description, IReadOnlyList<StageKind> Kinds, bool NeedsOwnBank = false, bool AfterInfer = false)
{
    public static readonly StageGroup Bank = new("Bank",
        "Make the bank: --bank=embedded (default) -> <data-dir>/embedded; --bank=lots-of-loras (Hugging Face) -> <data-dir>/raw_input; skipped when --bank-dir alone names a bank",
        [StageKind.Bank], NeedsOwnBank: true);
    public static readonly StageGroup Tokenize = new("Tokenize",
        "Token ids of input + output[0] of every train sample -> <data-dir>/preprocessed/tokens/<task>.npy", [StageKind.Tokenize]);
    public static readonly StageGroup Distances = new("Distances",
        "N x N distances per metric -> <data-dir>/preprocessed/distances/<METRIC>.csv", [StageKind.Distances]);
    public static readonly StageGroup Predict = new("Predict",
        "Coefficients and predicted adapters per metric and model -> <data-dir>/coefficients/, <data-dir>/predicted_adapters/",
        [StageKind.Gram, StageKind.Coefficients, StageKind.Predict]);
    public static readonly StageGroup Infer = new("Infer",
        "Greedy generation on every task's test split per pipeline -> <results-dir>/models_generated_outputs/<pipeline>/<task>.jsonl", [StageKind.Infer]);
    public static readonly StageGroup Evaluate = new("Evaluate",
        "Scores per task and pipeline -> <results-dir>/evaluation_outputs_results/<score>_results.csv, <results-dir>/summary.md, summary.json",
        [StageKind.Evaluate], AfterInfer: true);
    public static readonly StageGroup Report = new("Report",
        "Figures and the page -> <results-dir>/report.html, rougeL_by_pipeline.png, coefficients_<METRIC>_<model>.png, scatter_<pipeline>.png",
        [StageKind.Report], AfterInfer: true);

    /// <summary>Every group, in dependency order.</summary>
    public static readonly IReadOnlyList<StageGroup> All = [Bank, Tokenize, Distances, Predict, Infer, Evaluate, Report];

    /// <summary>The group that holds stages of a kind.</summary>
    public static StageGroup Of(StageKind kind) => All.Single(g => g.Kinds.Contains(kind));
}
