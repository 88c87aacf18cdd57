namespace MetaLora.Reporting.Statistics;

/// <summary>A Wilcoxon signed-rank test: the statistic min(R+, R-) and its two-sided p-value.</summary>
internal readonly record struct WilcoxonResult(double Statistic, double PValue);
