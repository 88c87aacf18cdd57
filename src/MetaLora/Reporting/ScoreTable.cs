using System.Globalization;
using MetaLora.Evaluation;
using MetaLora.Formats;
using MetaLora.IO;
using MetaLora.Layout;

namespace MetaLora.Reporting;

/// <summary>
/// Every task's mean scores per pipeline: <c>Scores[p][t]</c> is pipeline p on task t, or null when
/// that pipeline has no outputs for the task (yet).
/// </summary>
internal sealed record ScoreTable(IReadOnlyList<string> Tasks, IReadOnlyList<string> Pipelines, SampleScores?[][] Scores)
{
    public int PipelineIndex(string pipeline) => Pipelines.ToList().IndexOf(pipeline);

    /// <summary>Tasks (indices) that pipeline p has no scores for.</summary>
    public IReadOnlyList<int> MissingTasks(int p) => Enumerable.Range(0, Tasks.Count).Where(t => Scores[p][t] is null).ToArray();

    /// <summary>
    /// <c>&lt;score&gt;_results.csv</c> per score, as the paper's repository lays them out: rows = tasks
    /// (bank order), columns = pipelines; a missing cell is empty. Six decimals, invariant culture.
    /// </summary>
    public void WriteCsv(ResultsLayout results)
    {
        for (var k = 0; k < SampleScores.Names.Count; k++)
        {
            var text = new StringWriter(CultureInfo.InvariantCulture);
            using (var csv = Csv.Writer(text, NeedsQuotes))
            {
                csv.WriteField("task");
                foreach (var pipeline in Pipelines) csv.WriteField(pipeline);
                csv.EndRecord();
                for (var t = 0; t < Tasks.Count; t++)
                {
                    csv.WriteField(Tasks[t]);
                    for (var p = 0; p < Pipelines.Count; p++)
                        csv.WriteField(Scores[p][t] is { } s ? s.Values[k].ToString("F6", CultureInfo.InvariantCulture) : "");
                    csv.EndRecord();
                }
            }
            AtomicFile.WriteAllText(results.TableFile(SampleScores.Names[k]), text.ToString());
        }
    }

    private static bool NeedsQuotes(ReadOnlySpan<char> field) => field.IndexOfAny(",\"\n\r") >= 0;
}
