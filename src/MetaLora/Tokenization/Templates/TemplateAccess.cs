namespace MetaLora.Tokenization.Templates;

/// <summary>
/// <c>a.b</c>, <c>a[k]</c> and <c>a[i:j:k]</c> as Jinja's sandbox resolves them: an attribute is a
/// whitelisted method (or a loop or namespace field) before a dict key, a subscript a key or index before
/// an attribute; what is not there is undefined, except on undefined itself, which is an error.
/// </summary>
internal static class TemplateAccess
{
    public static object? Attribute(object? target, string name) => target switch
    {
        Undefined undefined => throw undefined.Error(),
        string s => TemplateMethods.IsStringMethod(name) ? new BoundMethod(s, name) : Undefined.NoAttribute(s, name),
        TemplateDict dict => TemplateMethods.IsDictMethod(name) ? new BoundMethod(dict, name)
            : dict.TryGetValue(name, out var value) ? value : Undefined.NoAttribute(dict, name),
        TemplateNamespace ns => ns.Get(name),
        LoopContext loop => loop.Attribute(name),
        _ => Undefined.NoAttribute(target, name),
    };

    public static object? Item(object? target, object? key)
    {
        switch (target)
        {
            case Undefined undefined:
                throw undefined.Error();
            case TemplateDict dict when dict.TryGetValue(key, out var value):
                return value;
            case TemplateList list when key is long or bool:
                var index = Index(TemplateValues.ToLong(key), list.Count);
                return index is { } i ? list[(int)i] : Undefined.NoElement(list, key);
            case string s when key is long or bool:
                var at = Index(TemplateValues.ToLong(key), TemplateStrings.Length(s));
                return at is { } j ? TemplateStrings.At(s, j) : Undefined.NoElement(s, key);
        }
        // A missing key that is a string falls back to an attribute, as Jinja's getitem does.
        return key is string name ? Attribute(target, name) : Undefined.NoElement(target, key);
    }

    private static long? Index(long index, int count)
    {
        var i = index < 0 ? index + count : index;
        return i >= 0 && i < count ? i : null;
    }

    public static object? Slice(object? target, object? start, object? stop, object? step)
    {
        switch (target)
        {
            case Undefined undefined:
                throw undefined.Error();
            case string text:
                return TemplateStrings.Slice(text, SliceRange(TemplateStrings.Length(text), Bound(start), Bound(stop), Bound(step)));
            case TemplateList list:
                var (from, by, count) = SliceRange(list.Count, Bound(start), Bound(stop), Bound(step));
                return new TemplateList(Enumerable.Range(0, count).Select(k => list[(int)(from + k * by)]).ToArray(), list.IsTuple);
            default:
                return Undefined.NoElement(target, "slice");
        }
    }

    private static long? Bound(object? value) => value switch
    {
        null => null,
        long or bool => TemplateValues.ToLong(value),
        _ => throw new ChatTemplateException($"slice indices must be integers or none, not {TemplateValues.TypeName(value)}"),
    };

    /// <summary>
    /// Where Python's slice start:stop:step begins on a sequence of <paramref name="length"/>, its step,
    /// and how many items it picks (item k is at From + k * Step).
    /// </summary>
    internal static (long From, long Step, int Count) SliceRange(int length, long? start, long? stop, long? step)
    {
        var by = step ?? 1;
        if (by == 0) throw new ChatTemplateException("slice step cannot be zero");
        long lower = by < 0 ? -1 : 0, upper = by < 0 ? length - 1 : length;
        long Clamp(long? value, long fallback)
        {
            if (value is not { } v) return fallback;
            if (v < 0) return Math.Max(v + length, lower);
            return Math.Min(v, upper);
        }
        var from = Clamp(start, by < 0 ? upper : lower);
        var to = Clamp(stop, by < 0 ? lower : upper);
        // Int128, so that a huge step cannot overflow; the count is at most the length.
        var count = by > 0
            ? (to > from ? ((Int128)to - from + by - 1) / by : 0)
            : (from > to ? ((Int128)from - to - by - 1) / -by : 0);
        return (from, by, (int)count);
    }
}
