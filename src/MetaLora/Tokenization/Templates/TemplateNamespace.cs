namespace MetaLora.Tokenization.Templates;

/// <summary>
/// Jinja's <c>namespace()</c> object: the one value whose attributes a template may set
/// (<c>{% set ns.found = true %}</c>), which is how a loop passes a result out past its own scope.
/// </summary>
internal sealed class TemplateNamespace
{
    private readonly OrderedDictionary<string, object?> _attributes = new(StringComparer.Ordinal);

    public IEnumerable<KeyValuePair<string, object?>> Attributes => _attributes;

    public object? Get(string name) => _attributes.TryGetValue(name, out var value) ? value : Undefined.NoAttribute(this, name);

    public void Set(string name, object? value) => _attributes[name] = value;
}
