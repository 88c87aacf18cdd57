namespace MetaLora;

/// <summary>
/// The names of one choice's values (a metric, a combiner, an engine, ...): the one place that turns
/// them into text and back, lists them for help texts and says what is wrong with an unknown name.
/// Matching ignores case and surrounding space. Aliases are accepted and never listed.
/// </summary>
internal sealed class NameTable<T> where T : struct, Enum
{
    private readonly string _noun;
    private readonly string _plural;
    private readonly (T Value, string Name)[] _names;
    private readonly (string Name, T Value)[] _aliases;

    /// <param name="noun">What one value is called in messages ("metric", "coefficient model").</param>
    /// <param name="plural">What the values are called after "valid" ("metrics", "models").</param>
    /// <param name="names">Every value with its canonical name, in canonical order.</param>
    /// <param name="all">Whether a list may say "all" for every value.</param>
    /// <param name="none">Whether a list may say "none" for no value.</param>
    /// <param name="aliases">Other names accepted for a value.</param>
    public NameTable(string noun, string plural, (T Value, string Name)[] names, bool all = false, bool none = false, (string Name, T Value)[]? aliases = null)
    {
        _noun = noun;
        _plural = plural;
        _names = names;
        _aliases = aliases ?? [];
        AcceptsAll = all;
        AcceptsNone = none;
        Values = names.Select(n => n.Value).ToArray();
        Listed = string.Join(", ", names.Select(n => n.Name));
        Valid = Listed + (all ? ", all" : "") + (none ? ", none" : "");
    }

    public bool AcceptsAll { get; }
    public bool AcceptsNone { get; }

    /// <summary>Every value, in canonical order.</summary>
    public IReadOnlyList<T> Values { get; }

    /// <summary>The canonical names, comma-separated.</summary>
    public string Listed { get; }

    /// <summary>What a list accepts: the names, then "all" and "none" where allowed; for help texts and errors.</summary>
    public string Valid { get; }

    public string Name(T value)
    {
        foreach (var (v, name) in _names)
            if (EqualityComparer<T>.Default.Equals(v, value)) return name;
        throw new ArgumentOutOfRangeException(nameof(value), value, $"no {_noun} name");
    }

    /// <summary>The value a name or alias stands for; null for an unknown name.</summary>
    public T? Find(string text)
    {
        var name = text.Trim();
        foreach (var (value, canonical) in _names)
            if (canonical.Equals(name, StringComparison.OrdinalIgnoreCase)) return value;
        foreach (var (alias, value) in _aliases)
            if (alias.Equals(name, StringComparison.OrdinalIgnoreCase)) return value;
        return null;
    }

    /// <summary>One value; an unknown name fails with "unknown {noun} 'x'; valid {plural}: ...".</summary>
    public T Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Find(text) ?? throw new BadInputException($"unknown {_noun} '{text}'; valid {_plural}: {Listed}");
    }

    /// <summary>One value of a study argument; an unknown name fails with "unknown {noun} 'x'; valid: ...".</summary>
    public T ParseArgument(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Find(text) ?? throw new BadInputException($"unknown {_noun} '{text}'; valid: {Listed}");
    }

    /// <summary>A comma list ("all" and "none" where allowed) as distinct values in canonical order.</summary>
    public IReadOnlyList<T> ParseList(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var wanted = new HashSet<T>();
        foreach (var raw in text.Split(','))
        {
            var name = raw.Trim();
            if (AcceptsNone && name.Equals("none", StringComparison.OrdinalIgnoreCase)) continue;
            if (AcceptsAll && name.Equals("all", StringComparison.OrdinalIgnoreCase))
                wanted.UnionWith(Values);
            else
                wanted.Add(Find(name) ?? throw new BadInputException($"unknown {_noun} '{name}'; valid {_plural}: {Valid} (comma-separated)"));
        }
        return Values.Where(wanted.Contains).ToArray();
    }
}
