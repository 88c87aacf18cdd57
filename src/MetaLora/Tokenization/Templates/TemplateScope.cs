namespace MetaLora.Tokenization.Templates;

/// <summary>
/// Variables as Jinja scopes them: each for-loop iteration (and a loop's else, a set block's body) gets a
/// child scope, so a <c>set</c> inside it is gone after the iteration, while an <c>if</c> shares its
/// enclosing scope. Lookups go outwards, then to the global functions; anything else is undefined.
/// </summary>
internal sealed class TemplateScope
{
    private static readonly Dictionary<string, object?> Globals = new(StringComparer.Ordinal)
    {
        ["raise_exception"] = new TemplateFunction("raise_exception"),
        ["range"] = new TemplateFunction("range"),
        ["namespace"] = new TemplateFunction("namespace"),
        ["dict"] = new TemplateFunction("dict"),
    };

    private readonly TemplateScope? _parent;
    private readonly Dictionary<string, object?> _variables = new(StringComparer.Ordinal);

    private TemplateScope(TemplateScope? parent) => _parent = parent;

    public static TemplateScope Root(IEnumerable<KeyValuePair<string, object?>> variables)
    {
        var scope = new TemplateScope(null);
        foreach (var (name, value) in variables) scope.Set(name, value);
        return scope;
    }

    public TemplateScope Child() => new(this);

    public void Set(string name, object? value) => _variables[name] = value;

    public object? Lookup(string name)
    {
        for (var scope = this; scope is not null; scope = scope._parent)
            if (scope._variables.TryGetValue(name, out var value)) return value;
        if (Globals.TryGetValue(name, out var global)) return global;
        // transformers offers strftime_now; it is left undefined so that a prompt never depends on the
        // clock: templates that test "strftime_now is defined" fall back to their fixed date.
        return name == "strftime_now"
            ? new Undefined("strftime_now() is not supported: a rendered prompt must not depend on the clock")
            : Undefined.Named(name);
    }
}
