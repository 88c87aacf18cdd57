namespace MetaLora.Reporting.Page;

/// <summary>One test sample of a task as the page shows it: the input, the reference and what each shown pipeline wrote.</summary>
internal sealed record TaskExample(string Id, string Input, string Reference, IReadOnlyList<PipelineText> Outputs);
