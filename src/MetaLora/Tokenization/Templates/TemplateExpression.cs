namespace MetaLora.Tokenization.Templates;

/// <summary>An expression of a template, with the line and column it starts at for error messages.</summary>
internal abstract record TemplateExpression(int Line, int Column)
{
    /// <summary>A string, number, boolean or none literal.</summary>
    internal sealed record Literal(object? Value, int Line, int Column) : TemplateExpression(Line, Column);

    internal sealed record Variable(string Name, int Line, int Column) : TemplateExpression(Line, Column);

    /// <summary><c>[a, b]</c>, or <c>(a, b)</c> and <c>a, b</c> when <see cref="IsTuple"/>.</summary>
    internal sealed record Sequence(IReadOnlyList<TemplateExpression> Items, bool IsTuple, int Line, int Column) : TemplateExpression(Line, Column);

    internal sealed record Mapping(IReadOnlyList<(TemplateExpression Key, TemplateExpression Value)> Pairs, int Line, int Column)
        : TemplateExpression(Line, Column);

    /// <summary><c>a.b</c>: an attribute (a whitelisted method, a loop or namespace field) before a dict key.</summary>
    internal sealed record Attribute(TemplateExpression Target, string Name, int Line, int Column) : TemplateExpression(Line, Column);

    /// <summary><c>a[k]</c>: a key or index before an attribute.</summary>
    internal sealed record Item(TemplateExpression Target, TemplateExpression Key, int Line, int Column) : TemplateExpression(Line, Column);

    internal sealed record Slice(TemplateExpression Target, TemplateExpression? Start, TemplateExpression? Stop, TemplateExpression? Step, int Line, int Column)
        : TemplateExpression(Line, Column);

    internal sealed record Call(TemplateExpression Target, ArgumentList Arguments, int Line, int Column) : TemplateExpression(Line, Column);

    /// <summary><c>a | name(args)</c>; the name is checked against the known filters when parsed.</summary>
    internal sealed record Filter(TemplateExpression Target, string Name, ArgumentList Arguments, int Line, int Column) : TemplateExpression(Line, Column);

    /// <summary><c>a is name args</c> (negated by a <see cref="Unary"/> not); the name is checked when parsed.</summary>
    internal sealed record Test(TemplateExpression Target, string Name, ArgumentList Arguments, int Line, int Column) : TemplateExpression(Line, Column);

    /// <summary><c>-a</c>, <c>+a</c> or <c>not a</c>.</summary>
    internal sealed record Unary(string Operator, TemplateExpression Operand, int Line, int Column) : TemplateExpression(Line, Column);

    /// <summary>An arithmetic operator or <c>~</c>.</summary>
    internal sealed record Binary(string Operator, TemplateExpression Left, TemplateExpression Right, int Line, int Column) : TemplateExpression(Line, Column);

    /// <summary>A chain of comparisons, <c>a &lt; b &lt;= c</c>, true when each holds (as Python's); the operators include <c>in</c> and <c>notin</c>.</summary>
    internal sealed record Comparison(TemplateExpression First, IReadOnlyList<(string Operator, TemplateExpression Operand)> Rest, int Line, int Column)
        : TemplateExpression(Line, Column);

    /// <summary><c>a and b</c> or <c>a or b</c>, which give one of their operands, as Python's do.</summary>
    internal sealed record Logical(bool IsAnd, TemplateExpression Left, TemplateExpression Right, int Line, int Column) : TemplateExpression(Line, Column);

    /// <summary><c>a if c else b</c>; without <c>else</c> a false condition gives undefined.</summary>
    internal sealed record Conditional(TemplateExpression Then, TemplateExpression Condition, TemplateExpression? Else, int Line, int Column)
        : TemplateExpression(Line, Column);

    /// <summary>A call's arguments: positional ones, then <c>name=value</c> ones.</summary>
    internal sealed record ArgumentList(IReadOnlyList<TemplateExpression> Positional, IReadOnlyList<(string Name, TemplateExpression Value)> Named)
    {
        public static readonly ArgumentList None = new([], []);
    }
}
