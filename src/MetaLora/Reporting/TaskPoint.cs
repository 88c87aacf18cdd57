namespace MetaLora.Reporting;

/// <summary>One point of <see cref="Plots.Scatter"/>: a task's base score (X) and predicted score (Y).</summary>
internal readonly record struct TaskPoint(string Task, double X, double Y);
