using MetaLora.Reporting.Statistics;

namespace MetaLora.Reporting;

/// <summary>
/// Rouge-L of <paramref name="Pipeline"/> against <paramref name="Reference"/> over the tasks both have:
/// the mean of the per-task differences (pipeline - reference), its 95% interval from the paired
/// bootstrap over tasks (<see cref="Bootstrap"/>) and the two-sided Wilcoxon signed-rank p-value (<see cref="Wilcoxon"/>).
/// </summary>
internal sealed record PairedComparison(string Pipeline, string Reference, int Tasks, double MeanDifference, Interval Ci95, double? PValue)
{
    /// <summary>The 95% interval of the mean difference excludes 0.</summary>
    public bool Significant => Ci95.ExcludesZero;

    /// <summary>From the paired values (x[t] of the pipeline, y[t] of the reference, same task); null without any pair.</summary>
    public static PairedComparison? Of(string pipeline, string reference, ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (x.Length != y.Length) throw new ArgumentException($"paired samples differ in length ({x.Length} and {y.Length})", nameof(y));
        if (x.Length == 0) return null;
        var sum = 0.0;
        for (var t = 0; t < x.Length; t++) sum += x[t] - y[t];
        return new PairedComparison(pipeline, reference, x.Length, sum / x.Length, Bootstrap.Paired(x, y), Wilcoxon.Test(x, y)?.PValue);
    }
}
