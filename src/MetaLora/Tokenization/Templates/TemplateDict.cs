namespace MetaLora.Tokenization.Templates;

/// <summary>
/// A template's dict: insertion-ordered, as Python's, with Python's key equality (1, 1.0 and true are
/// one key). Keys are strings, numbers or booleans.
/// </summary>
internal sealed class TemplateDict
{
    private readonly OrderedDictionary<object, object?> _items = new(new KeyComparer());

    public TemplateDict(IEnumerable<KeyValuePair<object?, object?>> pairs)
    {
        foreach (var (key, value) in pairs)
        {
            if (!IsKey(key))
                throw new ChatTemplateException($"a dict key must be a string, number or boolean, not {TemplateValues.TypeName(key)}");
            _items[key!] = value;
        }
    }

    public int Count => _items.Count;

    public IEnumerable<object> Keys => _items.Keys;

    public IEnumerable<object?> Values => _items.Values;

    public IEnumerable<KeyValuePair<object, object?>> Pairs => _items;

    public bool TryGetValue(object? key, out object? value)
    {
        value = null;
        return IsKey(key) && _items.TryGetValue(key!, out value);
    }

    private static bool IsKey(object? key) => key is string or long or double or bool;

    private sealed class KeyComparer : IEqualityComparer<object>
    {
        public new bool Equals(object? x, object? y) => TemplateValues.Equal(x, y);

        // Equal numbers of different types must hash alike, as Python's hash(1) == hash(1.0) == hash(True).
        public int GetHashCode(object key) => key switch
        {
            string s => s.GetHashCode(StringComparison.Ordinal),
            bool b => (b ? 1.0 : 0.0).GetHashCode(),
            long l => ((double)l).GetHashCode(),
            double d => d.GetHashCode(),
            _ => 0,
        };
    }
}
