namespace MetaLora.Reporting;

/// <summary>One bar of <see cref="Plots.MeanScores"/>: a pipeline's mean score and its spread. A NaN mean marks the pipeline as missing.</summary>
internal readonly record struct PipelineMean(string Pipeline, double Mean, double Std);
