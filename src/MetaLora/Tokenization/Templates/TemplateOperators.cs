using static MetaLora.Tokenization.Templates.TemplateValues;

namespace MetaLora.Tokenization.Templates;

/// <summary>
/// The operators with Python's semantics: int arithmetic stays int (checked: an overflow is an error,
/// where Python would grow), <c>/</c> always gives a float, <c>//</c> and <c>%</c> round towards minus
/// infinity, <c>+</c> and <c>*</c> also join and repeat strings and lists, and <c>~</c> joins any two
/// values as strings. Undefined operands are errors, except for <c>~</c>, <c>==</c>, <c>in</c> and <c>not</c>.
/// </summary>
internal static class TemplateOperators
{
    public static object? Unary(string op, object? operand)
    {
        if (op == "not") return !Truthy(operand);
        if (operand is Undefined undefined) throw undefined.Error();
        try
        {
            // Each arm boxed on its own: a switch of long and double arms would make every result a double.
            return (op, operand) switch
            {
                ("-", double d) => (object)-d,
                ("-", long or bool) => (object)checked(-ToLong(operand)),
                ("+", double d) => (object)d,
                ("+", long or bool) => (object)ToLong(operand),
                _ => throw new ChatTemplateException($"bad operand type for unary {op}: '{TypeName(operand)}'"),
            };
        }
        catch (OverflowException) { throw Overflow(); }
    }

    public static object? Binary(string op, object? left, object? right, RenderBudget budget)
    {
        if (op == "~")
        {
            string a = Str(left), b = Str(right);
            RenderBudget.CheckLength((long)a.Length + b.Length, RenderBudget.MaxChars);
            return budget.Text(a + b);
        }
        if (left is Undefined undefinedLeft) throw undefinedLeft.Error();
        if (right is Undefined undefinedRight) throw undefinedRight.Error();
        try
        {
            return op switch
            {
                "+" => Add(left, right, budget),
                "*" => Multiply(left, right, budget),
                "%" when left is string => throw new ChatTemplateException("string formatting with '%' is not supported"),
                _ when IsNumber(left) && IsNumber(right) => Arithmetic(op, left, right),
                _ => throw Unsupported(op, left, right),
            };
        }
        catch (OverflowException) { throw Overflow(); }
    }

    private static ChatTemplateException Overflow() => new("integer overflow: the result does not fit in 64 bits");

    private static ChatTemplateException Unsupported(string op, object? left, object? right) =>
        new($"unsupported operand types for {op}: '{TypeName(left)}' and '{TypeName(right)}'");

    private static object Add(object? left, object? right, RenderBudget budget)
    {
        switch (left, right)
        {
            case (string a, string b):
                RenderBudget.CheckLength((long)a.Length + b.Length, RenderBudget.MaxChars);
                return budget.Text(a + b);
            case (TemplateList a, TemplateList b) when a.IsTuple == b.IsTuple:
                RenderBudget.CheckLength((long)a.Count + b.Count, RenderBudget.MaxItems);
                return new TemplateList([.. a, .. b], a.IsTuple);
            default:
                return IsNumber(left) && IsNumber(right) ? Arithmetic("+", left, right) : throw Unsupported("+", left, right);
        }
    }

    private static object Multiply(object? left, object? right, RenderBudget budget)
    {
        if (IsNumber(left) && IsNumber(right)) return Arithmetic("*", left, right);
        var (sequence, times) = left is long or bool ? (right, ToLong(left)) : right is long or bool ? (left, ToLong(right)) : (null, 0L);
        var repeat = Math.Max(times, 0);
        switch (sequence)
        {
            case string { Length: 0 }:
                return "";
            case TemplateList { Count: 0 } empty:
                return empty;
        }
        switch (sequence)
        {
            case string s:
                RenderBudget.CheckLength(s.Length * Math.Min(repeat, RenderBudget.MaxChars + 1L), RenderBudget.MaxChars);
                return budget.Text(string.Concat(Enumerable.Repeat(s, (int)repeat)));
            case TemplateList list:
                RenderBudget.CheckLength(list.Count * Math.Min(repeat, RenderBudget.MaxItems + 1L), RenderBudget.MaxItems);
                return new TemplateList(Enumerable.Repeat(list, (int)repeat).SelectMany(l => l).ToArray(), list.IsTuple);
            default:
                throw Unsupported("*", left, right);
        }
    }

    private static object Arithmetic(string op, object? left, object? right)
    {
        if (left is double || right is double || op is "/" || (op == "**" && ToLong(right) < 0))
            return FloatArithmetic(op, ToDouble(left), ToDouble(right));
        long a = ToLong(left), b = ToLong(right);
        return op switch
        {
            "+" => checked(a + b),
            "-" => checked(a - b),
            "*" => checked(a * b),
            "//" => b == 0 ? throw DivisionByZero() : FloorDivide(a, b),
            "%" => b == 0 ? throw DivisionByZero() : a % b is var r && r != 0 && (r < 0) != (b < 0) ? r + b : a % b,
            "**" => Power(a, b),
            _ => throw new InvalidOperationException(op),
        };
    }

    private static long FloorDivide(long a, long b)
    {
        var q = checked(a / b);
        return a % b != 0 && (a < 0) != (b < 0) ? q - 1 : q;
    }

    private static long Power(long value, long exponent)
    {
        long result = 1;
        while (exponent > 0)
        {
            if ((exponent & 1) == 1) result = checked(result * value);
            exponent >>= 1;
            if (exponent > 0) value = checked(value * value);
        }
        return result;
    }

    private static double FloatArithmetic(string op, double a, double b)
    {
        if (b == 0 && op is "/" or "//" or "%") throw DivisionByZero();
        if (op == "**" && a == 0 && b < 0) throw new ChatTemplateException("0.0 cannot be raised to a negative power");
        var result = op switch
        {
            "+" => a + b,
            "-" => a - b,
            "*" => a * b,
            "/" => a / b,
            "//" => Math.Floor(a / b),
            "%" => a % b is var r && r != 0 && (r < 0) != (b < 0) ? r + b : a % b,
            "**" => Math.Pow(a, b),
            _ => throw new InvalidOperationException(op),
        };
        // Python gives a complex number here; templates have no use for one.
        if (op == "**" && double.IsNaN(result) && !double.IsNaN(a) && !double.IsNaN(b))
            throw new ChatTemplateException("a negative number raised to a fractional power is not supported");
        return result;
    }

    private static ChatTemplateException DivisionByZero() => new("division by zero");

    /// <summary>One comparison of a chain: ==, !=, &lt;, &lt;=, &gt;, &gt;=, in or notin.</summary>
    public static bool Compare(string op, object? left, object? right)
    {
        switch (op)
        {
            case "==": return Equal(left, right);
            case "!=": return !Equal(left, right);
            case "in": return In(left, right);
            case "notin": return !In(left, right);
        }
        // NaN is unordered: every ordering comparison with it is false, as in Python.
        if ((left is double l && double.IsNaN(l) && IsNumber(right)) || (right is double r && double.IsNaN(r) && IsNumber(left))) return false;
        var order = TemplateValues.Compare(left, right, op);
        return op switch
        {
            "<" => order < 0,
            "<=" => order <= 0,
            ">" => order > 0,
            ">=" => order >= 0,
            _ => throw new InvalidOperationException(op),
        };
    }

    /// <summary>Python's <c>in</c>: a substring, a list item, a dict key; nothing is in undefined.</summary>
    public static bool In(object? item, object? container) => container switch
    {
        string s => item is string part ? s.Contains(part, StringComparison.Ordinal)
            : throw new ChatTemplateException($"'in <string>' requires a string as left operand, not {TypeName(item)}"),
        TemplateList list => list.Any(x => Equal(x, item)),
        TemplateDict dict => item is TemplateList or TemplateDict or TemplateNamespace
            ? throw new ChatTemplateException($"unhashable type: '{TypeName(item)}'")
            : dict.TryGetValue(item, out _),
        Undefined => false,
        _ => throw new ChatTemplateException($"argument of type '{TypeName(container)}' is not iterable"),
    };
}
