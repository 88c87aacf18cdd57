namespace MetaLora.Reporting.Statistics;

/// <summary>A closed interval [Low, High], such as a 95% confidence interval of a mean.</summary>
internal readonly record struct Interval(double Low, double High)
{
    /// <summary>Whether 0 lies outside the interval: a difference it bounds is significant at its level.</summary>
    public bool ExcludesZero => Low > 0 || High < 0;
}
