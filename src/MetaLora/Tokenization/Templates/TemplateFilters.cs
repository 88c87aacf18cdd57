using System.Globalization;
using System.Text;
using static MetaLora.Tokenization.Templates.TemplateValues;

namespace MetaLora.Tokenization.Templates;

/// <summary>
/// The filters (<c>value | name(args)</c>), each as Jinja defines it. Where Jinja returns a lazy
/// generator (reverse, select, selectattr, map) these return a list, which loops and joins alike.
/// </summary>
internal static class TemplateFilters
{
    private delegate object? Filter(object? value, CallArguments arguments, RenderBudget budget);

    private static readonly Dictionary<string, Filter> Filters = new(StringComparer.Ordinal)
    {
        ["abs"] = (v, a, _) => Abs(v, a),
        ["capitalize"] = (v, a, b) => Text(v, a, "capitalize", TemplateStrings.Capitalize, b),
        ["count"] = (v, a, _) => Length(v, a),
        ["d"] = (v, a, _) => Default(v, a),
        ["default"] = (v, a, _) => Default(v, a),
        ["first"] = (v, a, _) => First(v, a, last: false),
        ["float"] = (v, a, _) => ToFloat(v, a),
        ["int"] = (v, a, _) => ToInt(v, a),
        ["items"] = (v, a, _) => Items(v, a),
        ["join"] = Join,
        ["last"] = (v, a, _) => First(v, a, last: true),
        ["length"] = (v, a, _) => Length(v, a),
        ["list"] = (v, a, _) => NoArguments(a, "list", new TemplateList(Iterate(v).ToArray())),
        ["lower"] = (v, a, b) => Text(v, a, "lower", TemplateStrings.Lower, b),
        ["map"] = Map,
        ["reject"] = (v, a, _) => Select(v, a, byAttribute: false, keep: false),
        ["rejectattr"] = (v, a, _) => Select(v, a, byAttribute: true, keep: false),
        ["replace"] = Replace,
        ["reverse"] = (v, a, _) => NoArguments(a, "reverse", v is string s
            ? string.Concat(TemplateStrings.Characters(s).Reverse()) : new TemplateList(Iterate(v).Reverse().ToArray())),
        ["select"] = (v, a, _) => Select(v, a, byAttribute: false, keep: true),
        ["selectattr"] = (v, a, _) => Select(v, a, byAttribute: true, keep: true),
        ["string"] = (v, a, b) => Text(v, a, "string", s => s, b),
        ["title"] = (v, a, b) => Text(v, a, "title", TemplateStrings.TitleWords, b),
        ["tojson"] = (v, a, b) => b.Text(TemplateJson.Serialize(v, a)),
        ["trim"] = Trim,
        ["upper"] = (v, a, b) => Text(v, a, "upper", TemplateStrings.Upper, b),
    };

    public static bool IsKnown(string name) => Filters.ContainsKey(name);

    public static IEnumerable<string> Names => Filters.Keys;

    public static object? Apply(string name, object? value, CallArguments arguments, RenderBudget budget) =>
        Filters.TryGetValue(name, out var filter) ? filter(value, arguments, budget) : throw new ChatTemplateException($"unknown filter '{name}'");

    private static object? NoArguments(CallArguments arguments, string name, object? result)
    {
        arguments.Bind(name);
        return result;
    }

    /// <summary>A filter of the value as a string (<c>str(value)</c>, so undefined is empty).</summary>
    private static string Text(object? value, CallArguments arguments, string name, Func<string, string> change, RenderBudget budget)
    {
        arguments.Bind(name);
        return budget.Text(change(Str(value)));
    }

    private static object? Trim(object? value, CallArguments arguments, RenderBudget budget)
    {
        var chars = arguments.Bind("trim", "chars")[0];
        if (chars is not (null or string) && chars != CallArguments.Missing)
            throw new ChatTemplateException($"trim() chars must be a string, not {TypeName(chars)}");
        return budget.Text(TemplateStrings.Strip(Str(value), chars as string, left: true, right: true));
    }

    private static object Length(object? value, CallArguments arguments)
    {
        arguments.Bind("length");
        return value switch
        {
            string s => (long)TemplateStrings.Length(s),
            TemplateList list => (long)list.Count,
            TemplateDict dict => (long)dict.Count,
            Undefined => 0L,
            _ => throw new ChatTemplateException($"object of type '{TypeName(value)}' has no len()"),
        };
    }

    private static object? Abs(object? value, CallArguments arguments)
    {
        arguments.Bind("abs");
        return value switch
        {
            double d => (object)Math.Abs(d),
            long or bool => ToLong(value) is var l && l == long.MinValue ? throw new ChatTemplateException("integer overflow") : (object)Math.Abs(l),
            Undefined undefined => throw undefined.Error(),
            _ => throw new ChatTemplateException($"bad operand type for abs(): '{TypeName(value)}'"),
        };
    }

    private static object? Default(object? value, CallArguments arguments)
    {
        var bound = arguments.Bind("default", "default_value", "boolean");
        var fallback = CallArguments.Or(bound[0], "");
        var boolean = Truthy(CallArguments.Or(bound[1], false));
        return value is Undefined || (boolean && !Truthy(value)) ? fallback : value;
    }

    private static object? First(object? value, CallArguments arguments, bool last)
    {
        arguments.Bind(last ? "last" : "first");
        var items = Iterate(value);
        if (items.Count > 0) return last ? items[^1] : items[0];
        return new Undefined($"No {(last ? "last" : "first")} item, sequence was empty.");
    }

    private static object? Join(object? value, CallArguments arguments, RenderBudget budget)
    {
        var bound = arguments.Bind("join", "d", "attribute");
        var separator = Str(CallArguments.Or(bound[0], ""));
        var items = Iterate(value);
        var builder = new StringBuilder();
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0) builder.Append(separator);
            builder.Append(Str(bound[1] == CallArguments.Missing ? items[i] : AttributeOf(items[i], bound[1])));
            RenderBudget.CheckLength(builder.Length, RenderBudget.MaxChars);
        }
        return budget.Text(builder.ToString());
    }

    private static object? Replace(object? value, CallArguments arguments, RenderBudget budget)
    {
        var bound = arguments.BindRequired("replace", 2, "old", "new", "count");
        var count = CallArguments.Or(bound[2], null) ?? -1L;
        if (count is not (long or bool)) throw new ChatTemplateException($"replace() count must be an integer, not {TypeName(count)}");
        return budget.Text(TemplateStrings.Replace(Str(value), Str(bound[0]), Str(bound[1]), ToLong(count), RenderBudget.MaxChars));
    }

    private static object Items(object? value, CallArguments arguments)
    {
        arguments.Bind("items");
        return value switch
        {
            TemplateDict dict => new TemplateList(dict.Pairs.Select(p => (object?)new TemplateList([p.Key, p.Value], isTuple: true)).ToArray()),
            Undefined => TemplateList.Empty,
            _ => throw new ChatTemplateException($"items(): can only get item pairs from a mapping, not {TypeName(value)}"),
        };
    }

    /// <summary>Jinja's attribute getter for selectattr, map and join: dotted parts, each looked up as a subscript (a digit part as an index).</summary>
    private static object? AttributeOf(object? item, object? attribute)
    {
        if (attribute is long or bool) return TemplateAccess.Item(item, attribute);
        if (attribute is not string path) throw new ChatTemplateException($"an attribute name must be a string, not {TypeName(attribute)}");
        foreach (var part in path.Split('.'))
            item = TemplateAccess.Item(item, part.Length > 0 && part.All(char.IsAsciiDigit) ? long.Parse(part, CultureInfo.InvariantCulture) : part);
        return item;
    }

    /// <summary>select, reject, selectattr and rejectattr: the items whose value (or attribute) passes the named test, or is true when no test is named.</summary>
    private static object Select(object? value, CallArguments arguments, bool byAttribute, bool keep)
    {
        if (arguments.Named.Count > 0) throw new ChatTemplateException("select filters take no keyword arguments");
        var positional = arguments.Positional;
        var skip = byAttribute ? 1 : 0;
        if (byAttribute && positional.Count == 0) throw new ChatTemplateException("selectattr() needs an attribute name");
        string? test = null;
        if (positional.Count > skip)
        {
            test = positional[skip] as string ?? throw new ChatTemplateException($"a test name must be a string, not {TypeName(positional[skip])}");
            if (!TemplatePredicates.IsKnown(test)) throw new ChatTemplateException($"unknown test '{test}'");
        }
        var testArguments = new CallArguments(positional.Skip(skip + 1).ToArray(), []);
        bool Passes(object? item)
        {
            var subject = byAttribute ? AttributeOf(item, positional[0]) : item;
            return (test is null ? Truthy(subject) : TemplatePredicates.Apply(test, subject, testArguments)) == keep;
        }
        return new TemplateList(Iterate(value).Where(Passes).ToArray());
    }

    /// <summary><c>map(attribute='name', default=x)</c>, or <c>map('filter', args...)</c>.</summary>
    private static object Map(object? value, CallArguments arguments, RenderBudget budget)
    {
        var items = Iterate(value);
        var named = arguments.Named.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        if (named.Remove("attribute", out var attribute))
        {
            named.Remove("default", out var fallback);
            if (named.Count > 0 || arguments.Positional.Count > 0) throw new ChatTemplateException("map(attribute=...) takes only attribute and default");
            return new TemplateList(items.Select(i => AttributeOf(i, attribute) is var found && found is Undefined && fallback is not null ? fallback : found).ToArray());
        }
        if (arguments.Positional.Count == 0 || arguments.Positional[0] is not string filter || !IsKnown(filter))
            throw new ChatTemplateException("map() needs attribute=... or the name of a known filter");
        var rest = new CallArguments(arguments.Positional.Skip(1).ToArray(), arguments.Named);
        return new TemplateList(items.Select(i => Apply(filter, i, rest, budget)).ToArray());
    }

    private static object? ToInt(object? value, CallArguments arguments)
    {
        var bound = arguments.Bind("int", "default", "base");
        var fallback = CallArguments.Or(bound[0], 0L);
        if (bound[1] != CallArguments.Missing && !Equal(bound[1], 10L)) throw new ChatTemplateException("int(): only base 10 is supported");
        return value switch
        {
            Undefined undefined => throw undefined.Error(),
            long or bool => ToLong(value),
            double d => Truncate(d, fallback),
            string s => ParseInteger(s) ?? (ParseFloat(s) is { } f ? Truncate(f, fallback) : fallback),
            _ => fallback,
        };
    }

    private static object? Truncate(double value, object? fallback) =>
        double.IsNaN(value) ? fallback
        : Math.Abs(value) < 9.2e18 ? (long)Math.Truncate(value)
        : throw new ChatTemplateException($"cannot convert {FloatRepr(value)} to a 64-bit integer");

    private static object? ToFloat(object? value, CallArguments arguments)
    {
        var fallback = CallArguments.Or(arguments.Bind("float", "default")[0], 0.0);
        return value switch
        {
            Undefined undefined => throw undefined.Error(),
            long or bool or double => ToDouble(value),
            string s => ParseFloat(s) ?? fallback,
            _ => fallback,
        };
    }

    /// <summary>Python's <c>int(str)</c>: whitespace around, a sign, digits with single underscores between them.</summary>
    private static long? ParseInteger(string text)
    {
        var s = TemplateStrings.Strip(text, null, true, true);
        var digits = s.TrimStart('+', '-');
        if (s.Length - digits.Length > 1 || !ValidDigits(digits)) return null;
        return long.TryParse(s.Replace("_", ""), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    private static bool ValidDigits(string digits) =>
        digits.Length > 0 && char.IsAsciiDigit(digits[0]) && char.IsAsciiDigit(digits[^1])
        && digits.All(c => char.IsAsciiDigit(c) || c == '_') && !digits.Contains("__", StringComparison.Ordinal);

    /// <summary>Python's <c>float(str)</c>: a decimal or exponent number, or inf, infinity and nan in any case.</summary>
    private static double? ParseFloat(string text)
    {
        var s = TemplateStrings.Strip(text, null, true, true);
        var unsigned = s.TrimStart('+', '-');
        if (s.Length - unsigned.Length > 1) return null;
        var negative = s.StartsWith('-');
        switch (unsigned.ToLowerInvariant())
        {
            case "inf" or "infinity": return negative ? double.NegativeInfinity : double.PositiveInfinity;
            case "nan": return double.NaN;
        }
        if (unsigned.Length == 0 || !(char.IsAsciiDigit(unsigned[0]) || unsigned[0] == '.') || unsigned.Contains("__", StringComparison.Ordinal)) return null;
        return double.TryParse(s.Replace("_", ""), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
    }
}
