using MetaLora.Evaluation;
using MetaLora.Reporting.Statistics;

namespace MetaLora.Reporting;

/// <summary>One pipeline's line of the summary.</summary>
/// <param name="Pipeline">The pipeline's name.</param>
/// <param name="Tasks">How many tasks it has scores for.</param>
/// <param name="Mean">Per score (in <see cref="SampleScores.Names"/> order): the mean over the tasks it has (NaN without any).</param>
/// <param name="Std">Per score: the sample standard deviation over those tasks (n - 1; 0 for one task).</param>
/// <param name="RougeLChangeVsBase">Relative change of mean Rouge-L against base in %, over the tasks both have; null for base itself or without base.</param>
/// <param name="ImprovedShare">Share of those tasks whose Rouge-L is above base's.</param>
/// <param name="GapClosed">(p - base) / (finetuned - base) of mean Rouge-L in %, over the tasks all three have; only for predicted pipelines.</param>
/// <param name="RougeLMeanCi95">The 95% bootstrap interval of its mean Rouge-L over its tasks; null without any.</param>
/// <param name="VsBase">Rouge-L against base over the tasks both have; null for base itself, without base or without a shared task.</param>
internal sealed record PipelineSummary(string Pipeline, int Tasks, double[] Mean, double[] Std,
    double? RougeLChangeVsBase, double? ImprovedShare, double? GapClosed, Interval? RougeLMeanCi95, PairedComparison? VsBase)
{
    // By value, arrays included, so that a summary read back from summary.json equals the one written.
    public bool Equals(PipelineSummary? other) =>
        other is not null && Pipeline == other.Pipeline && Tasks == other.Tasks && Mean.SequenceEqual(other.Mean) && Std.SequenceEqual(other.Std)
        && Nullable.Equals(RougeLChangeVsBase, other.RougeLChangeVsBase) && Nullable.Equals(ImprovedShare, other.ImprovedShare)
        && Nullable.Equals(GapClosed, other.GapClosed) && Nullable.Equals(RougeLMeanCi95, other.RougeLMeanCi95) && Equals(VsBase, other.VsBase);

    public override int GetHashCode() => HashCode.Combine(Pipeline, Tasks, RougeLChangeVsBase, ImprovedShare, GapClosed, RougeLMeanCi95, VsBase);
}
