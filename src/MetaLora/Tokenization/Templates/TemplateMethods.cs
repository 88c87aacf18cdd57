using static MetaLora.Tokenization.Templates.TemplateValues;

namespace MetaLora.Tokenization.Templates;

/// <summary>
/// The methods a template may call, and no others: on strings strip, lstrip, rstrip, startswith,
/// endswith, split, upper, lower, title, capitalize, replace and join; on dicts items, keys, values
/// and get; and <c>loop.cycle</c>.
/// </summary>
internal static class TemplateMethods
{
    private static readonly HashSet<string> StringMethods =
        ["strip", "lstrip", "rstrip", "startswith", "endswith", "split", "upper", "lower", "title", "capitalize", "replace", "join"];

    private static readonly HashSet<string> DictMethods = ["items", "keys", "values", "get"];

    public static bool IsStringMethod(string name) => StringMethods.Contains(name);

    public static bool IsDictMethod(string name) => DictMethods.Contains(name);

    public static object? Invoke(BoundMethod method, CallArguments arguments, RenderBudget budget) => method.Target switch
    {
        string s => Counted(InvokeString(s, method.Name, arguments), budget),
        TemplateDict dict => InvokeDict(dict, method.Name, arguments),
        LoopContext loop when arguments.Named.Count == 0 => loop.Cycle(arguments.Positional),
        _ => throw new ChatTemplateException($"{method.Name}() does not take keyword arguments"),
    };

    private static object? Counted(object? result, RenderBudget budget) => result is string text ? budget.Text(text) : result;

    private static object? InvokeString(string s, string name, CallArguments arguments)
    {
        switch (name)
        {
            case "strip" or "lstrip" or "rstrip":
                var chars = OptionalString(arguments.Bind(name, "chars")[0], name);
                return TemplateStrings.Strip(s, chars, left: name != "rstrip", right: name != "lstrip");
            case "startswith" or "endswith":
                var affix = arguments.BindRequired(name, 1, "affix")[0];
                return Affixes(affix, name).Any(a => name == "startswith"
                    ? s.StartsWith(a, StringComparison.Ordinal) : s.EndsWith(a, StringComparison.Ordinal));
            case "split":
                var split = arguments.Bind(name, "sep", "maxsplit");
                var max = CallArguments.Or(split[1], -1L);
                var parts = TemplateStrings.Split(s, OptionalString(split[0], name), max is long or bool ? ToLong(max) : throw ArgumentType(name, max));
                return new TemplateList(parts.Cast<object?>().ToArray());
            case "upper" or "lower" or "title" or "capitalize":
                arguments.Bind(name);
                return name switch
                {
                    "upper" => TemplateStrings.Upper(s),
                    "lower" => TemplateStrings.Lower(s),
                    "title" => TemplateStrings.Title(s),
                    _ => TemplateStrings.Capitalize(s),
                };
            case "replace":
                var replace = arguments.BindRequired(name, 2, "old", "new", "count");
                var count = CallArguments.Or(replace[2], -1L);
                return TemplateStrings.Replace(s, replace[0] as string ?? throw ArgumentType(name, replace[0]),
                    replace[1] as string ?? throw ArgumentType(name, replace[1]),
                    count is long or bool ? ToLong(count) : throw ArgumentType(name, count), RenderBudget.MaxChars);
            default:
                return Join(s, arguments.BindRequired(name, 1, "iterable")[0]);
        }
    }

    private static string Join(string separator, object? iterable)
    {
        var items = Iterate(iterable);
        var builder = new System.Text.StringBuilder();
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is not string item)
                throw new ChatTemplateException($"sequence item {i}: expected str instance, {TypeName(items[i])} found");
            if (i > 0) builder.Append(separator);
            builder.Append(item);
            RenderBudget.CheckLength(builder.Length, RenderBudget.MaxChars);
        }
        return builder.ToString();
    }

    private static IEnumerable<string> Affixes(object? affix, string name) => affix switch
    {
        string s => [s],
        TemplateList { IsTuple: true } tuple => tuple.Select(a => a as string ?? throw ArgumentType(name, a)),
        _ => throw ArgumentType(name, affix),
    };

    private static string? OptionalString(object? argument, string name) => argument switch
    {
        string s => s,
        null => null,
        _ when argument == CallArguments.Missing => null,
        _ => throw ArgumentType(name, argument),
    };

    private static ChatTemplateException ArgumentType(string name, object? argument) =>
        new($"{name}() got an argument of type {TypeName(argument)}");

    private static object? InvokeDict(TemplateDict dict, string name, CallArguments arguments)
    {
        if (name == "get")
        {
            var get = arguments.BindRequired("get", 1, "key", "default");
            return dict.TryGetValue(get[0], out var value) ? value : CallArguments.Or(get[1], null);
        }
        arguments.Bind(name);
        return name switch
        {
            "items" => new TemplateList(dict.Pairs.Select(p => (object?)new TemplateList([p.Key, p.Value], isTuple: true)).ToArray()),
            "keys" => new TemplateList(dict.Keys.ToArray()),
            _ => new TemplateList(dict.Values.ToArray()),
        };
    }
}
