using MetaLora.Evaluation;

namespace MetaLora.Reporting;

/// <summary>One pipeline's line of the summary.</summary>
/// <param name="Pipeline">The pipeline's name.</param>
/// <param name="Tasks">How many tasks it has scores for.</param>
/// <param name="Mean">Per score (in <see cref="SampleScores.Names"/> order): the mean over the tasks it has.</param>
/// <param name="Std">Per score: the sample standard deviation over those tasks (n - 1; 0 for one task).</param>
/// <param name="RougeLChangeVsBase">Relative change of mean Rouge-L against base in %, over the tasks both have; null for base itself or without base.</param>
/// <param name="ImprovedShare">Share of those tasks whose Rouge-L is above base's.</param>
/// <param name="GapClosed">(p - base) / (finetuned - base) of mean Rouge-L in %, over the tasks all three have; only for predicted pipelines.</param>
public sealed record PipelineSummary(string Pipeline, int Tasks, double[] Mean, double[] Std,
    double? RougeLChangeVsBase, double? ImprovedShare, double? GapClosed);
