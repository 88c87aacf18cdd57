using System.CommandLine;
using MetaLora.Stages;
using MetaLora.Inference;
using MetaLora.Layout;
using MetaLora.Study;
using MetaLora.Repro;
using MetaLora.Repro.CodeIdentity;

namespace MetaLora.Cli;

internal static class ReportCommand
{
    [StageEntry(StageVerbs.Report)]
    public static Command Create()
    {
        var dataDir = CommonOptions.DataDir();
        var results = CommonOptions.ResultsDir();
        var pipelines = CommonOptions.Pipelines();
        var command = new Command("report",
            "The study as one page, <results-dir>/report.html (self-contained: the score table with intervals and p-values, the best CPU pipeline " +
            "against the others, the figures, and per task its scores, the bank tasks it draws on and three test samples), and figures (PNG): " +
            "rougeL_by_pipeline.png (mean Rouge-L per pipeline, ± std over tasks, best CPU pipeline highlighted), " +
            "coefficients_<pipeline>.png (heatmap of each predicted pipeline's coefficients), scatter_<pipeline>.png (Rouge-L per task against base). " +
            "Reads Evaluate's summary.json and rougeL_results.csv, the generations, <data-dir>/coefficients/ and the distances.")
        {
            dataDir, results, pipelines,
        };
        command.SetAction(parse =>
        {
            var selected = InferPipeline.Parse(parse.GetValue(pipelines)!);
            var layout = new ResultsLayout(parse.GetValue(results)!);
            using var _ = DataFolderLock.AcquireResults(layout.ResultsDir);
            var written = ReportStage.Run(new DataLayout(parse.GetValue(dataDir)!), layout, selected);
            Console.WriteLine($"Report: {layout.ReportHtml} and {written.Count - 1} figures in {layout.ResultsDir}");
            return 0;
        });
        return command;
    }
}
