namespace MetaLora.Tokenization.Templates;

/// <summary>One of the functions a template can call by name: <c>raise_exception</c>, <c>range</c>, <c>namespace</c>, <c>dict</c>.</summary>
internal sealed record TemplateFunction(string Name);
