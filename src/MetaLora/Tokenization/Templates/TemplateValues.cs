using System.Collections;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace MetaLora.Tokenization.Templates;

/// <summary>
/// Jinja's value semantics, which are Python's: the values are string, long (int), double (float),
/// bool, null (None), <see cref="TemplateList"/>, <see cref="TemplateDict"/>, <see cref="Undefined"/>,
/// <see cref="TemplateNamespace"/>, <see cref="LoopContext"/> and the callables. Here are truthiness,
/// <c>str</c> and <c>repr</c>, equality and order, and iteration.
/// </summary>
internal static class TemplateValues
{
    /// <summary>How deep <c>repr</c> goes: a namespace can hold itself, and its printing must end.</summary>
    private const int MaxReprDepth = 64;

    public static bool IsNumber(object? value) => value is long or double or bool;

    public static bool Truthy(object? value) => value switch
    {
        null => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        TemplateList l => l.Count > 0,
        TemplateDict d => d.Count > 0,
        Undefined => false,
        _ => true,
    };

    /// <summary>Python's type name, for error messages.</summary>
    public static string TypeName(object? value) => value switch
    {
        null => "NoneType",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        TemplateList l => l.IsTuple ? "tuple" : "list",
        TemplateDict => "dict",
        Undefined => "Undefined",
        TemplateNamespace => "Namespace",
        LoopContext => "LoopContext",
        BoundMethod => "builtin_function_or_method",
        _ => "function",
    };

    /// <summary>Python's <c>str()</c>, which is what <c>{{ }}</c> prints; undefined prints as nothing.</summary>
    public static string Str(object? value) => value switch
    {
        string s => s,
        Undefined => "",
        _ => Repr(value),
    };

    /// <summary>Python's <c>repr()</c>: strings quoted, lists as [a, b], dicts as {'k': v}.</summary>
    public static string Repr(object? value)
    {
        var builder = new StringBuilder();
        WriteRepr(builder, value, 0);
        return builder.ToString();
    }

    private static void WriteRepr(StringBuilder builder, object? value, int depth)
    {
        if (depth > MaxReprDepth) throw new ChatTemplateException($"a value nested more than {MaxReprDepth} deep cannot be printed");
        switch (value)
        {
            case null: builder.Append("None"); break;
            case bool b: builder.Append(b ? "True" : "False"); break;
            case long l: builder.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case double d: builder.Append(FloatRepr(d)); break;
            case string s: builder.Append(TemplateStrings.Repr(s)); break;
            case Undefined: builder.Append("Undefined"); break;
            case TemplateList list: WriteList(builder, list, depth); break;
            case TemplateDict dict: WriteItems(builder, dict.Pairs.Select(p => (p.Key, p.Value)), depth); break;
            case TemplateNamespace ns:
                builder.Append("<Namespace ");
                WriteItems(builder, ns.Attributes.Select(p => ((object)p.Key, p.Value)), depth);
                builder.Append('>');
                break;
            case LoopContext loop: builder.Append(CultureInfo.InvariantCulture, $"<LoopContext {loop.Index0 + 1}/{loop.Length}>"); break;
            case BoundMethod m: builder.Append(CultureInfo.InvariantCulture, $"<built-in method {m.Name} of {TypeName(m.Target)} object>"); break;
            case TemplateFunction f: builder.Append(CultureInfo.InvariantCulture, $"<function {f.Name}>"); break;
            default: throw new InvalidOperationException($"not a template value: {value.GetType()}");
        }
        RenderBudget.CheckLength(builder.Length, RenderBudget.MaxChars);
    }

    private static void WriteList(StringBuilder builder, TemplateList list, int depth)
    {
        builder.Append(list.IsTuple ? '(' : '[');
        for (var i = 0; i < list.Count; i++)
        {
            if (i > 0) builder.Append(", ");
            WriteRepr(builder, list[i], depth + 1);
        }
        if (list.IsTuple && list.Count == 1) builder.Append(',');
        builder.Append(list.IsTuple ? ')' : ']');
    }

    private static void WriteItems(StringBuilder builder, IEnumerable<(object Key, object? Value)> items, int depth)
    {
        builder.Append('{');
        var first = true;
        foreach (var (key, value) in items)
        {
            if (!first) builder.Append(", ");
            first = false;
            WriteRepr(builder, key, depth + 1);
            builder.Append(": ");
            WriteRepr(builder, value, depth + 1);
        }
        builder.Append('}');
    }

    /// <summary>Python's <c>repr</c> of a float: the shortest digits that read back, fixed notation from 1e-4 up to below 1e16, else e-notation.</summary>
    public static string FloatRepr(double value)
    {
        if (double.IsNaN(value)) return "nan";
        if (double.IsInfinity(value)) return value > 0 ? "inf" : "-inf";
        if (value == 0) return double.IsNegative(value) ? "-0.0" : "0.0";
        var (digits, point) = ShortestDigits(Math.Abs(value));
        var sign = value < 0 ? "-" : "";
        if (point > -4 && point <= 16)
        {
            if (point <= 0) return $"{sign}0.{new string('0', -point)}{digits}";
            if (point >= digits.Length) return $"{sign}{digits}{new string('0', point - digits.Length)}.0";
            return $"{sign}{digits[..point]}.{digits[point..]}";
        }
        var exponent = point - 1;
        var mantissa = digits.Length > 1 ? $"{digits[0]}.{digits[1..]}" : digits;
        return $"{sign}{mantissa}e{(exponent < 0 ? '-' : '+')}{Math.Abs(exponent):00}";
    }

    /// <summary>The shortest round-trip digits of a positive double, and where the decimal point goes (0.digits × 10^point).</summary>
    private static (string Digits, int Point) ShortestDigits(double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        var exponent = 0;
        var e = text.IndexOf('E');
        if (e >= 0)
        {
            exponent = int.Parse(text[(e + 1)..], CultureInfo.InvariantCulture);
            text = text[..e];
        }
        var dot = text.IndexOf('.');
        var whole = dot < 0 ? text : text[..dot];
        var digits = whole + (dot < 0 ? "" : text[(dot + 1)..]);
        var point = whole.Length + exponent;
        var leadingZeros = digits.Length - digits.TrimStart('0').Length;
        return (digits.Trim('0'), point - leadingZeros);
    }

    /// <summary>Python's <c>==</c>: numbers by value across int, float and bool; lists, tuples and dicts by content; undefined equals undefined.</summary>
    public static bool Equal(object? a, object? b)
    {
        if (a is null || b is null) return a is null && b is null;
        if (IsNumber(a) && IsNumber(b))
            return a is double || b is double ? ToDouble(a) == ToDouble(b) : ToLong(a) == ToLong(b);
        if (a is TemplateList or TemplateDict && !ReferenceEquals(a, b)) CheckStack();
        return (a, b) switch
        {
            (string x, string y) => string.Equals(x, y, StringComparison.Ordinal),
            (Undefined, Undefined) => true,
            (TemplateList x, TemplateList y) => ReferenceEquals(x, y)
                || (x.IsTuple == y.IsTuple && x.Count == y.Count && x.Zip(y).All(p => Equal(p.First, p.Second))),
            (TemplateDict x, TemplateDict y) => ReferenceEquals(x, y)
                || (x.Count == y.Count && x.Pairs.All(p => y.TryGetValue(p.Key, out var v) && Equal(p.Value, v))),
            _ => ReferenceEquals(a, b),
        };
    }

    /// <summary>
    /// Lists can nest as deep as a loop runs ({% set ns.l = [ns.l] %}), and comparing them recurses; this
    /// stops before the stack does.
    /// </summary>
    private static void CheckStack()
    {
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
            throw new ChatTemplateException("a value is nested too deeply to compare");
    }

    /// <summary>Python's ordering: numbers, strings by code point, lists and tuples item by item; anything else is an error.</summary>
    public static int Compare(object? a, object? b, string op)
    {
        if (a is Undefined ua) throw ua.Error();
        if (b is Undefined ub) throw ub.Error();
        if (IsNumber(a) && IsNumber(b))
            return a is double || b is double ? ToDouble(a).CompareTo(ToDouble(b)) : ToLong(a).CompareTo(ToLong(b));
        switch (a, b)
        {
            case (string x, string y): return TemplateStrings.CompareCodePoints(x, y);
            case (TemplateList x, TemplateList y) when x.IsTuple == y.IsTuple:
                CheckStack();
                for (var i = 0; i < Math.Min(x.Count, y.Count); i++)
                    if (!Equal(x[i], y[i])) return Compare(x[i], y[i], op);
                return x.Count.CompareTo(y.Count);
            default:
                throw new ChatTemplateException($"'{op}' not supported between instances of '{TypeName(a)}' and '{TypeName(b)}'");
        }
    }

    public static long ToLong(object? number) => number switch
    {
        bool b => b ? 1 : 0,
        long l => l,
        _ => throw new ChatTemplateException($"expected an integer, got {TypeName(number)}"),
    };

    public static double ToDouble(object? number) => number is double d ? d : ToLong(number);

    /// <summary>The items a for loop or a filter goes through: a list's items, a dict's keys, a string's characters; undefined is empty.</summary>
    public static IReadOnlyList<object?> Iterate(object? value) => value switch
    {
        TemplateList list => list,
        TemplateDict dict => dict.Keys.ToArray(),
        string s => CheckedCharacters(s),
        Undefined => [],
        _ => throw new ChatTemplateException($"'{TypeName(value)}' object is not iterable"),
    };

    private static string[] CheckedCharacters(string text)
    {
        RenderBudget.CheckLength(text.Length, RenderBudget.MaxItems);
        return TemplateStrings.Characters(text);
    }

    /// <summary>A .NET value as a template value: strings, integers, doubles, booleans, null, dictionaries with string keys and sequences.</summary>
    public static object? FromClr(object? value) => value switch
    {
        null or string or long or double or bool or TemplateList or TemplateDict or TemplateNamespace or Undefined => value,
        int i => (long)i,
        float f => (double)f,
        ChatMessage m => new TemplateDict([new("role", m.Role), new("content", m.Content)]),
        IDictionary dictionary => FromDictionary(dictionary),
        IEnumerable<KeyValuePair<string, object?>> pairs => new TemplateDict(pairs.Select(p => new KeyValuePair<object?, object?>(p.Key, FromClr(p.Value)))),
        IEnumerable items => new TemplateList(items.Cast<object?>().Select(FromClr).ToArray()),
        _ => throw new ArgumentException($"{value.GetType()} cannot be passed to a template", nameof(value)),
    };

    private static TemplateDict FromDictionary(IDictionary dictionary)
    {
        // The dictionary's own enumerator gives DictionaryEntry whatever its generic type.
        var pairs = new List<KeyValuePair<object?, object?>>();
        var entries = dictionary.GetEnumerator();
        while (entries.MoveNext()) pairs.Add(new(FromClr(entries.Key), FromClr(entries.Value)));
        return new TemplateDict(pairs);
    }
}
