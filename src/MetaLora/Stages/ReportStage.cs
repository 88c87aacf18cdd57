using MetaLora.Reporting;
using MetaLora.Reporting.Page;
using MetaLora.Inference;
using MetaLora.Layout;

namespace MetaLora.Stages;

/// <summary>
/// Report: results/report.html (the study as one page, from the summary, the Rouge-L table, the
/// coefficients, the distances and the first generations of each task) and the PNG figures, from
/// Evaluate's Rouge-L table and Predict's coefficients: mean Rouge-L per pipeline with the spread
/// over tasks (the best CPU pipeline highlighted); per (metric, model) the coefficient matrix as a
/// heatmap (as the paper's Figure 1); per pipeline each task's Rouge-L against the base model's.
/// </summary>
internal static class ReportStage
{
    public static IReadOnlyList<string> Run(DataLayout data, ResultsLayout results, IReadOnlyList<InferPipeline> pipelines)
    {
        // The page and the figures draw on the same files: read them once.
        var inputs = ReportPageInputs.Load(data, results, pipelines);
        var table = inputs.RougeL;
        var written = new List<string>();
        var selected = pipelines.Select(p => p.Name).Where(table.Pipelines.Contains).ToArray();
        double[] Column(string pipeline) => table.Values[table.Pipelines.ToList().IndexOf(pipeline)];

        var means = selected.Select(p =>
        {
            var (mean, std) = Summary.MeanStd(Column(p).Where(v => !double.IsNaN(v)).ToArray());
            return new PipelineMean(p, mean, double.IsNaN(std) ? 0 : std);
        }).ToArray();
        var best = means.Where(m => pipelines.Single(p => p.Name == m.Pipeline) is { IsPredicted: true, Baseline: null } && !double.IsNaN(m.Mean))
            .OrderByDescending(m => m.Mean).Select(m => m.Pipeline).Take(1).ToHashSet();
        if (means.Length > 0)
        {
            Plots.MeanScores(results.Plot("rougeL_by_pipeline"), $"Mean Rouge-L over {table.Tasks.Count} tasks (± std over tasks)", "Rouge-L", means, best);
            written.Add(results.Plot("rougeL_by_pipeline"));
        }

        // One heatmap per metric and model: the combiners share its coefficients.
        foreach (var view in inputs.Coefficients.Where(v => v.Model is not null))
        {
            var c = view.Coefficients;
            var rows = Enumerable.Range(0, c.Names.Count).Select(i => Enumerable.Range(0, c.Names.Count).Select(j => c.Values[i, j]).ToArray()).ToArray();
            var path = results.Plot($"coefficients_{view.Metric}_{view.Model}");
            Plots.Heatmap(path, $"Coefficients {view.Metric} {view.Model} (row: task adapted for)", c.Names, rows);
            written.Add(path);
        }

        if (table.Pipelines.Contains(InferPipeline.Base))
        {
            var baseScores = Column(InferPipeline.Base);
            foreach (var pipeline in selected.Where(p => p != InferPipeline.Base))
            {
                var scores = Column(pipeline);
                var points = table.Tasks.Select((t, i) => new TaskPoint(t, baseScores[i], scores[i]))
                    .Where(p => !double.IsNaN(p.X) && !double.IsNaN(p.Y)).ToArray();
                if (points.Length == 0) continue;
                var path = results.Plot("scatter_" + pipeline);
                Plots.Scatter(path, $"Rouge-L per task: {pipeline} vs base", "base", pipeline, points);
                written.Add(path);
            }
        }
        ReportPage.Write(results.ReportHtml, inputs);
        written.Add(results.ReportHtml);
        return written;
    }

    /// <summary>results/report.html alone.</summary>
    public static void WritePage(DataLayout data, ResultsLayout results, IReadOnlyList<InferPipeline> pipelines) =>
        ReportPage.Write(results.ReportHtml, ReportPageInputs.Load(data, results, pipelines));
}
