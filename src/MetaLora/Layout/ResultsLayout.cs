namespace MetaLora.Layout;

/// <summary>Where results live under the results folder; names follow the paper's repository.</summary>
internal sealed record ResultsLayout(string ResultsDir)
{
    /// <summary>The results folder when none is given.</summary>
    public const string DefaultResultsDir = "results";

    public string OutputsDir(string pipeline) => Path.Combine(ResultsDir, "models_generated_outputs", pipeline);
    public string OutputFile(string pipeline, string task) => Path.Combine(OutputsDir(pipeline), task + ".jsonl");

    public string TablesDir => Path.Combine(ResultsDir, "evaluation_outputs_results");
    public string TableFile(string score) => Path.Combine(TablesDir, score + "_results.csv");

    public string SummaryMarkdown => Path.Combine(ResultsDir, "summary.md");
    public string SummaryJson => Path.Combine(ResultsDir, "summary.json");
    public string ReportHtml => Path.Combine(ResultsDir, "report.html");
    public string Plot(string name) => Path.Combine(ResultsDir, name + ".png");
}
