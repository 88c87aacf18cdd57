namespace MetaLora.Tokenization.Templates;

/// <summary>The evaluated arguments of a call, filter or test, bound to parameter names as Python binds them.</summary>
internal sealed class CallArguments(IReadOnlyList<object?> positional, IReadOnlyList<KeyValuePair<string, object?>> named)
{
    public static readonly CallArguments None = new([], []);

    /// <summary>Stands for a parameter the call did not pass.</summary>
    public static readonly object Missing = new();

    public IReadOnlyList<object?> Positional => positional;

    public IReadOnlyList<KeyValuePair<string, object?>> Named => named;

    /// <summary>The arguments in the order of <paramref name="parameters"/>, <see cref="Missing"/> where not given.</summary>
    public object?[] Bind(string function, params string[] parameters)
    {
        if (positional.Count > parameters.Length)
            throw new ChatTemplateException($"{function}() takes at most {parameters.Length} argument(s) ({positional.Count} given)");
        var bound = new object?[parameters.Length];
        Array.Fill(bound, Missing);
        for (var i = 0; i < positional.Count; i++) bound[i] = positional[i];
        foreach (var (name, value) in named)
        {
            var index = Array.IndexOf(parameters, name);
            if (index < 0) throw new ChatTemplateException($"{function}() got an unexpected keyword argument '{name}'");
            if (bound[index] != Missing) throw new ChatTemplateException($"{function}() got multiple values for argument '{name}'");
            bound[index] = value;
        }
        return bound;
    }

    /// <summary>Binds and requires the first <paramref name="required"/> parameters.</summary>
    public object?[] BindRequired(string function, int required, params string[] parameters)
    {
        var bound = Bind(function, parameters);
        for (var i = 0; i < required; i++)
            if (bound[i] == Missing) throw new ChatTemplateException($"{function}() missing required argument '{parameters[i]}'");
        return bound;
    }

    public static object? Or(object? argument, object? fallback) => argument == Missing ? fallback : argument;
}
