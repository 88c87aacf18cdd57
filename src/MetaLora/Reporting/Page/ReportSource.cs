namespace MetaLora.Reporting.Page;

/// <summary>An input file of the page and the first 16 hex digits of its sha256: the page's identity.</summary>
internal readonly record struct ReportSource(string Name, string Sha256);
