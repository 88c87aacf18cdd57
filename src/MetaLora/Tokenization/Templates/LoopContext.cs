namespace MetaLora.Tokenization.Templates;

/// <summary>The <c>loop</c> variable inside a for loop: where the loop is among its items.</summary>
internal sealed class LoopContext(IReadOnlyList<object?> items, int index0)
{
    public int Length => items.Count;

    public int Index0 => index0;

    public object? Attribute(string name) => name switch
    {
        "index" => (long)index0 + 1,
        "index0" => (long)index0,
        "revindex" => (long)(items.Count - index0),
        "revindex0" => (long)(items.Count - index0 - 1),
        "first" => index0 == 0,
        "last" => index0 == items.Count - 1,
        "length" => (long)items.Count,
        "depth" => 1L,
        "depth0" => 0L,
        "previtem" => index0 > 0 ? items[index0 - 1] : new Undefined("there is no previous item"),
        "nextitem" => index0 + 1 < items.Count ? items[index0 + 1] : new Undefined("there is no next item"),
        "cycle" => new BoundMethod(this, "cycle"),
        _ => Undefined.NoAttribute(this, name),
    };

    /// <summary><c>loop.cycle(a, b, ...)</c>: the argument at this iteration's index, round-robin.</summary>
    public object? Cycle(IReadOnlyList<object?> values) =>
        values.Count == 0 ? throw new ChatTemplateException("loop.cycle() needs at least one value") : values[index0 % values.Count];
}
