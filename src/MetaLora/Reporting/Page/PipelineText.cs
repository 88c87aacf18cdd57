namespace MetaLora.Reporting.Page;

/// <summary>What one pipeline wrote for a sample; null text when its output file has no such sample.</summary>
internal readonly record struct PipelineText(string Pipeline, string? Text);
