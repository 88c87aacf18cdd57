using System.CommandLine;
using MetaLora.Pipeline;
using MetaLora.Stages;

namespace MetaLora.Cli;

internal static class ReportCommand
{
    [StageEntry("report")]
    public static Command Create()
    {
        var dataDir = CommonOptions.DataDir();
        var results = CommonOptions.ResultsDir();
        var pipelines = CommonOptions.Pipelines();
        var command = new Command("report",
            "Figures (PNG) into <results-dir>: rougeL_by_pipeline.png (mean Rouge-L per pipeline, ± std over tasks, best CPU pipeline highlighted), " +
            "coefficients_<pipeline>.png (heatmap of each predicted pipeline's coefficients), scatter_<pipeline>.png (Rouge-L per task against base). " +
            "Reads Evaluate's rougeL_results.csv and <data-dir>/coefficients/.")
        {
            dataDir, results, pipelines,
        };
        command.SetAction(parse =>
        {
            var selected = InferPipeline.Parse(parse.GetValue(pipelines)!);
            var layout = new ResultsLayout(parse.GetValue(results)!);
            using var _ = DataFolderLock.AcquireResults(layout.ResultsDir);
            var written = ReportStage.Run(new DataLayout(parse.GetValue(dataDir)!), layout, selected);
            Console.WriteLine($"Report: {written.Count} figures in {layout.ResultsDir}");
            return 0;
        });
        return command;
    }
}
