using System.Collections;

namespace MetaLora.Tokenization.Templates;

/// <summary>A template's list or tuple. Lists are never changed in place (transformers' sandbox is immutable), so one type serves both.</summary>
internal sealed class TemplateList(IReadOnlyList<object?> items, bool isTuple = false) : IReadOnlyList<object?>
{
    public static readonly TemplateList Empty = new([]);

    /// <summary>A tuple compares unequal to a list with the same items and prints in parentheses.</summary>
    public bool IsTuple { get; } = isTuple;

    public int Count => items.Count;

    public object? this[int index] => items[index];

    public IEnumerator<object?> GetEnumerator() => items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
