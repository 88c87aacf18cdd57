using MetaLora.Bank;
using MetaLora.Evaluation;
using MetaLora.Reporting;
using MetaLora.Inference;
using MetaLora.Layout;
using MetaLora.Repro;

namespace MetaLora.Stages;

/// <summary>
/// Evaluate: scores every per-task output of the selected pipelines that exists (docs/scores.md:
/// each task's mean over its test samples of exact_match, subsequence_match, rougeL and rougeLsum),
/// then writes <c>evaluation_outputs_results/&lt;score&gt;_results.csv</c> and <c>summary.md/json</c>.
/// Missing outputs (a pipeline not run yet, shards still running) leave empty cells and are listed.
/// </summary>
internal static class EvaluateStage
{
    public static (ScoreTable Table, Summary Summary) Run(BankInfo bank, ResultsLayout results, IReadOnlyList<InferPipeline> pipelines, int limit)
    {
        var tasks = bank.Take(limit);
        var scores = pipelines.Select(_ => new SampleScores?[tasks.Count]).ToArray();
        var cells = pipelines.SelectMany((p, i) => tasks.Select((t, j) => (i, j))).ToArray();
        ParallelItems.ForEach(cells, cell =>
        {
            var path = results.OutputFile(pipelines[cell.i].Name, tasks[cell.j]);
            // An empty file is a task without test samples: nothing to score.
            if (!File.Exists(path) || new FileInfo(path).Length == 0) return;
            scores[cell.i][cell.j] = ScoreFile.Run(path).Mean;
        });
        var table = new ScoreTable(tasks, pipelines.Select(p => p.Name).ToArray(), scores);
        var summary = Summary.Of(bank.Name, table);
        Directory.CreateDirectory(results.TablesDir);
        table.WriteCsv(results);
        summary.Write(results);
        return (table, summary);
    }
}
