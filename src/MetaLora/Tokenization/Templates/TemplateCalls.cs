using static MetaLora.Tokenization.Templates.TemplateValues;

namespace MetaLora.Tokenization.Templates;

/// <summary>
/// Calls: the global functions (<c>raise_exception</c>, <c>range</c>, <c>namespace</c>, <c>dict</c>) and
/// the whitelisted methods. Nothing else is callable, so a template cannot reach .NET or the host.
/// </summary>
internal static class TemplateCalls
{
    public static object? Invoke(object? callee, CallArguments arguments, RenderBudget budget) => callee switch
    {
        TemplateFunction function => function.Name switch
        {
            "raise_exception" => throw RaiseException(arguments),
            "range" => Range(arguments),
            "namespace" => Namespace(arguments),
            "dict" => new TemplateDict(Pairs(arguments, "dict")),
            _ => throw new InvalidOperationException(function.Name),
        },
        BoundMethod method => TemplateMethods.Invoke(method, arguments, budget),
        Undefined undefined => throw undefined.Error(),
        _ => throw new ChatTemplateException($"'{TypeName(callee)}' object is not callable"),
    };

    /// <summary>transformers' <c>raise_exception(message)</c>: the render stops with exactly this message.</summary>
    private static ChatTemplateException RaiseException(CallArguments arguments)
    {
        var message = arguments.BindRequired("raise_exception", 1, "message")[0];
        return ChatTemplateException.Raised(Str(message));
    }

    /// <summary>Python's range, capped as Jinja's sandbox caps it (100,000 items).</summary>
    private static TemplateList Range(CallArguments arguments)
    {
        if (arguments.Named.Count > 0) throw new ChatTemplateException("range() takes no keyword arguments");
        var bounds = arguments.Positional.Select(v => v is long or bool ? ToLong(v)
            : throw new ChatTemplateException($"range() needs integers, not {TypeName(v)}")).ToArray();
        var (start, stop, step) = bounds.Length switch
        {
            1 => (0L, bounds[0], 1L),
            2 => (bounds[0], bounds[1], 1L),
            3 => (bounds[0], bounds[1], bounds[2]),
            _ => throw new ChatTemplateException($"range() takes 1 to 3 arguments ({bounds.Length} given)"),
        };
        if (step == 0) throw new ChatTemplateException("range() step must not be zero");
        var count = step > 0
            ? (stop > start ? ((Int128)stop - start + step - 1) / step : 0)
            : (start > stop ? ((Int128)start - stop - step - 1) / -step : 0);
        RenderBudget.CheckLength((long)Int128.Min(count, long.MaxValue), RenderBudget.MaxItems);
        return new TemplateList(Enumerable.Range(0, (int)count).Select(i => (object?)(start + i * step)).ToArray());
    }

    /// <summary><c>namespace(a=1)</c> or <c>namespace(some_dict, a=1)</c>.</summary>
    private static TemplateNamespace Namespace(CallArguments arguments)
    {
        var ns = new TemplateNamespace();
        foreach (var (key, value) in Pairs(arguments, "namespace"))
            ns.Set(key as string ?? throw new ChatTemplateException("namespace() attribute names must be strings"), value);
        return ns;
    }

    private static IEnumerable<KeyValuePair<object?, object?>> Pairs(CallArguments arguments, string function)
    {
        if (arguments.Positional.Count > 1) throw new ChatTemplateException($"{function}() takes at most one positional argument");
        var pairs = new List<KeyValuePair<object?, object?>>();
        if (arguments.Positional.Count == 1)
        {
            if (arguments.Positional[0] is not TemplateDict initial)
                throw new ChatTemplateException($"{function}() takes a dict as its positional argument, not {TypeName(arguments.Positional[0])}");
            pairs.AddRange(initial.Pairs.Select(p => new KeyValuePair<object?, object?>(p.Key, p.Value)));
        }
        pairs.AddRange(arguments.Named.Select(p => new KeyValuePair<object?, object?>(p.Key, p.Value)));
        return pairs;
    }
}
