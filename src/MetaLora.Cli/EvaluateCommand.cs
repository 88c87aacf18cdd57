using System.CommandLine;
using MetaLora.Stages;
using MetaLora.Inference;
using MetaLora.Layout;
using MetaLora.Study;
using MetaLora.Repro;
using MetaLora.Repro.CodeIdentity;

namespace MetaLora.Cli;

internal static class EvaluateCommand
{
    [StageEntry(StageVerbs.Evaluate)]
    public static Command Create()
    {
        var bank = new BankOptions();
        var results = CommonOptions.ResultsDir();
        var pipelines = CommonOptions.Pipelines();
        var command = new Command("evaluate",
            "Score the generated outputs that exist (exact_match, subsequence_match, rougeL, rougeLsum; each task's mean over its test samples) into " +
            "<results-dir>/evaluation_outputs_results/<score>_results.csv (rows = tasks, columns = pipelines) and <results-dir>/summary.md, summary.json.")
        {
            results, pipelines,
        };
        bank.AddTo(command);
        command.SetAction(parse =>
        {
            var selected = InferPipeline.Parse(parse.GetValue(pipelines)!);
            var s = bank.Resolve(parse);
            var layout = new ResultsLayout(parse.GetValue(results)!);
            using var _ = DataFolderLock.AcquireResults(layout.ResultsDir);
            var (_, summary) = EvaluateStage.Run(s.Bank, layout, selected, s.Limit);
            foreach (var line in summary.MissingLines()) Console.WriteLine($"Evaluate: {line}");
            var best = summary.BestCpuPipeline is { } b ? $"; best CPU pipeline {b}" : "";
            Console.WriteLine($"Evaluate: {selected.Count} pipelines x {s.Tasks.Count} tasks -> {layout.TablesDir}, {layout.SummaryMarkdown}{best}");
            return 0;
        });
        return command;
    }
}
