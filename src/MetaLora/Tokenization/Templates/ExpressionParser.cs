using System.Globalization;
using System.Text;
using static MetaLora.Tokenization.Templates.TemplateExpression;

namespace MetaLora.Tokenization.Templates;

/// <summary>
/// Parses Jinja expressions with Jinja's precedence, loosest first: <c>x if c else y</c>, <c>or</c>,
/// <c>and</c>, <c>not</c>, comparisons (chained, with <c>in</c> and <c>not in</c>), <c>+ -</c>, <c>~</c>,
/// <c>* / // %</c>, <c>**</c> (left-associative, as Jinja's), unary <c>- +</c>, then a primary with its
/// postfixes (<c>.name</c>, <c>[key]</c>, <c>[a:b:c]</c>, calls) and filters and tests, which bind tighter
/// than any operator: <c>a + b | trim</c> trims b only.
/// </summary>
internal sealed class ExpressionParser(TokenStream stream)
{
    /// <summary>How deep parentheses, brackets, calls and prefix operators may nest in one expression.</summary>
    public const int MaxDepth = 64;

    private static readonly string[] ComparisonOperators = ["==", "!=", "<", ">", "<=", ">="];

    private int _depth;

    /// <summary>Jinja's parse_tuple: expressions separated by commas, a tuple when there is a comma.</summary>
    public TemplateExpression ParseTuple(bool withConditional = true, string? endName = null, bool inParentheses = false)
    {
        var start = stream.Current;
        var items = new List<TemplateExpression>();
        var isTuple = false;
        while (true)
        {
            if (items.Count > 0) stream.ExpectOperator(",");
            if (IsTupleEnd(endName)) break;
            items.Add(withConditional ? ParseExpression() : Nested(ParseOr));
            if (stream.IsOperator(",")) isTuple = true;
            else break;
        }
        if (items.Count == 0 && !inParentheses) throw stream.Unexpected("an expression");
        return isTuple || items.Count == 0 ? new Sequence(items, true, start.Line, start.Column) : items[0];
    }

    private bool IsTupleEnd(string? endName) =>
        stream.Current.Kind is TokenKind.VariableEnd or TokenKind.BlockEnd || stream.IsOperator(")") || (endName is not null && stream.IsName(endName));

    /// <summary>A whole expression, conditional expressions included.</summary>
    public TemplateExpression ParseExpression() => Nested(() =>
    {
        var start = stream.Current;
        var expression = ParseOr();
        while (stream.SkipName("if"))
        {
            var condition = ParseOr();
            var otherwise = stream.SkipName("else") ? ParseExpression() : null;
            expression = new Conditional(expression, condition, otherwise, start.Line, start.Column);
        }
        return expression;
    });

    private T Nested<T>(Func<T> parse)
    {
        if (++_depth > MaxDepth)
            throw TokenStream.Error(stream.Current, $"the expression nests more than {MaxDepth} levels deep");
        try { return parse(); }
        finally { _depth--; }
    }

    private TemplateExpression ParseOr() => ParseLogical(false, ParseAnd);

    private TemplateExpression ParseAnd() => ParseLogical(true, ParseNot);

    private TemplateExpression ParseLogical(bool isAnd, Func<TemplateExpression> operand)
    {
        var left = operand();
        while (stream.IsName(isAnd ? "and" : "or"))
        {
            var op = stream.Next();
            left = new Logical(isAnd, left, operand(), op.Line, op.Column);
        }
        return left;
    }

    private TemplateExpression ParseNot()
    {
        if (!stream.IsName("not")) return ParseComparison();
        var op = stream.Next();
        return new Unary("not", Nested(ParseNot), op.Line, op.Column);
    }

    private TemplateExpression ParseComparison()
    {
        var start = stream.Current;
        var first = ParseBinary(ParseConcat, "+", "-");
        var rest = new List<(string, TemplateExpression)>();
        while (true)
        {
            if (stream.Current.Kind == TokenKind.Operator && ComparisonOperators.Contains(stream.Current.Text))
                rest.Add((stream.Next().Text, ParseBinary(ParseConcat, "+", "-")));
            else if (stream.SkipName("in"))
                rest.Add(("in", ParseBinary(ParseConcat, "+", "-")));
            else if (stream.IsName("not") && stream.Peek is { Kind: TokenKind.Name, Text: "in" })
            {
                stream.Next();
                stream.Next();
                rest.Add(("notin", ParseBinary(ParseConcat, "+", "-")));
            }
            else break;
        }
        return rest.Count == 0 ? first : new Comparison(first, rest, start.Line, start.Column);
    }

    private TemplateExpression ParseConcat() => ParseBinary(ParseProduct, "~");

    private TemplateExpression ParseProduct() => ParseBinary(ParsePower, "*", "/", "//", "%");

    private TemplateExpression ParsePower() => ParseBinary(() => ParseUnary(withFilter: true), "**");

    private TemplateExpression ParseBinary(Func<TemplateExpression> operand, params string[] operators)
    {
        var left = operand();
        while (stream.Current.Kind == TokenKind.Operator && operators.Contains(stream.Current.Text))
        {
            var op = stream.Next();
            left = new Binary(op.Text, left, operand(), op.Line, op.Column);
        }
        return left;
    }

    private TemplateExpression ParseUnary(bool withFilter)
    {
        var token = stream.Current;
        TemplateExpression node;
        if (stream.IsOperator("-") || stream.IsOperator("+"))
        {
            stream.Next();
            // As Jinja: the operand takes no filters, the negated value does (-1 | abs is 1).
            node = new Unary(token.Text, Nested(() => ParseUnary(withFilter: false)), token.Line, token.Column);
        }
        else node = ParsePrimary();
        node = ParsePostfix(node);
        return withFilter ? ParseFiltersAndTests(node) : node;
    }

    private TemplateExpression ParsePrimary()
    {
        var token = stream.Current;
        switch (token.Kind)
        {
            case TokenKind.Name:
                stream.Next();
                return token.Text switch
                {
                    "true" or "True" => new Literal(true, token.Line, token.Column),
                    "false" or "False" => new Literal(false, token.Line, token.Column),
                    "none" or "None" => new Literal(null, token.Line, token.Column),
                    _ => new Variable(token.Text, token.Line, token.Column),
                };
            case TokenKind.String:
                // Adjacent literals join, as in Python: 'a' "b" is 'ab'.
                var text = new StringBuilder();
                while (stream.Current.Kind == TokenKind.String) text.Append(stream.Next().Text);
                return new Literal(text.ToString(), token.Line, token.Column);
            case TokenKind.Integer:
                stream.Next();
                return new Literal(Integer(token), token.Line, token.Column);
            case TokenKind.Float:
                stream.Next();
                return new Literal(double.Parse(token.Text, CultureInfo.InvariantCulture), token.Line, token.Column);
            case TokenKind.Operator when token.Text == "(":
                stream.Next();
                var inner = Nested(() => ParseTuple(inParentheses: true));
                stream.ExpectOperator(")");
                return inner;
            case TokenKind.Operator when token.Text == "[":
                return Nested(ParseList);
            case TokenKind.Operator when token.Text == "{":
                return Nested(ParseDict);
            default:
                throw TokenStream.Error(token, $"unexpected {token.Describe()}");
        }
    }

    private static long Integer(TemplateToken token) =>
        long.TryParse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw TokenStream.Error(token, $"the integer {token.Text} does not fit in 64 bits");

    private TemplateExpression ParseList()
    {
        var open = stream.Next();
        var items = new List<TemplateExpression>();
        while (!stream.IsOperator("]"))
        {
            if (items.Count > 0)
            {
                stream.ExpectOperator(",");
                if (stream.IsOperator("]")) break;
            }
            items.Add(ParseExpression());
        }
        stream.ExpectOperator("]");
        return new Sequence(items, false, open.Line, open.Column);
    }

    private TemplateExpression ParseDict()
    {
        var open = stream.Next();
        var pairs = new List<(TemplateExpression, TemplateExpression)>();
        while (!stream.IsOperator("}"))
        {
            if (pairs.Count > 0)
            {
                stream.ExpectOperator(",");
                if (stream.IsOperator("}")) break;
            }
            var key = ParseExpression();
            stream.ExpectOperator(":");
            pairs.Add((key, ParseExpression()));
        }
        stream.ExpectOperator("}");
        return new Mapping(pairs, open.Line, open.Column);
    }

    private TemplateExpression ParsePostfix(TemplateExpression node)
    {
        while (true)
        {
            // A postfix node is placed where its whole expression starts: "x.y" fails at x when x is undefined.
            if (stream.SkipOperator(".")) node = ParseDot(node);
            else if (stream.SkipOperator("[")) node = Nested(() => ParseSubscript(node));
            else if (stream.IsOperator("(")) node = new Call(node, Nested(ParseArguments), node.Line, node.Column);
            else return node;
        }
    }

    private TemplateExpression ParseDot(TemplateExpression target)
    {
        var name = stream.Current;
        if (name.Kind == TokenKind.Name) return new TemplateExpression.Attribute(target, stream.Next().Text, target.Line, target.Column);
        // messages.0 is messages[0], as in Jinja.
        if (name.Kind == TokenKind.Integer) return new Item(target, new Literal(Integer(stream.Next()), name.Line, name.Column), target.Line, target.Column);
        throw stream.Unexpected("a name or an index after '.'");
    }

    /// <summary>After '[': a key, or a slice start:stop:step with any part left out.</summary>
    private TemplateExpression ParseSubscript(TemplateExpression target)
    {
        TemplateExpression? start = null;
        if (!stream.IsOperator(":"))
        {
            start = ParseExpression();
            if (!stream.IsOperator(":"))
            {
                stream.ExpectOperator("]");
                return new Item(target, start, target.Line, target.Column);
            }
        }
        stream.ExpectOperator(":");
        var stop = stream.IsOperator(":") || stream.IsOperator("]") ? null : ParseExpression();
        TemplateExpression? step = null;
        if (stream.SkipOperator(":") && !stream.IsOperator("]")) step = ParseExpression();
        stream.ExpectOperator("]");
        return new Slice(target, start, stop, step, target.Line, target.Column);
    }

    private ArgumentList ParseArguments()
    {
        stream.ExpectOperator("(");
        var positional = new List<TemplateExpression>();
        var named = new List<(string, TemplateExpression)>();
        while (!stream.IsOperator(")"))
        {
            if (positional.Count + named.Count > 0)
            {
                stream.ExpectOperator(",");
                if (stream.IsOperator(")")) break;
            }
            if (stream.IsOperator("*") || stream.IsOperator("**"))
                throw TokenStream.Error(stream.Current, "*args and **kwargs in calls are not supported");
            if (stream.Current.Kind == TokenKind.Name && stream.Peek is { Kind: TokenKind.Operator, Text: "=" })
            {
                var name = stream.Next().Text;
                stream.Next();
                named.Add((name, ParseExpression()));
            }
            else if (named.Count > 0) throw TokenStream.Error(stream.Current, "a positional argument follows a keyword argument");
            else positional.Add(ParseExpression());
        }
        stream.ExpectOperator(")");
        return new ArgumentList(positional, named);
    }

    private TemplateExpression ParseFiltersAndTests(TemplateExpression node)
    {
        while (true)
        {
            if (stream.IsOperator("|")) node = ParseFilter(node);
            else if (stream.IsName("is")) node = ParseTest(node);
            else if (stream.IsOperator("(")) node = new Call(node, Nested(ParseArguments), node.Line, node.Column);
            else return node;
        }
    }

    private TemplateExpression ParseFilter(TemplateExpression target)
    {
        stream.Next();
        var name = stream.Expect(TokenKind.Name, "a filter name");
        // Jinja, too, refuses an unknown filter when it compiles the template, not when it renders.
        if (!TemplateFilters.IsKnown(name.Text))
            throw TokenStream.Error(name, $"unknown filter '{name.Text}' (known filters: {string.Join(", ", TemplateFilters.Names)})");
        var arguments = stream.IsOperator("(") ? Nested(ParseArguments) : ArgumentList.None;
        return new Filter(target, name.Text, arguments, name.Line, name.Column);
    }

    private TemplateExpression ParseTest(TemplateExpression target)
    {
        var keyword = stream.Next();
        var negated = stream.SkipName("not");
        var name = stream.Expect(TokenKind.Name, "a test name");
        if (!TemplatePredicates.IsKnown(name.Text))
            throw TokenStream.Error(name, $"unknown test '{name.Text}' (known tests: {string.Join(", ", TemplatePredicates.Names)})");
        ArgumentList arguments;
        if (stream.IsOperator("(")) arguments = Nested(ParseArguments);
        else if (StartsTestArgument())
        {
            if (stream.IsName("is")) throw TokenStream.Error(stream.Current, "tests cannot be chained with 'is'");
            arguments = new ArgumentList([ParsePostfix(ParsePrimary())], []);
        }
        else arguments = ArgumentList.None;
        TemplateExpression test = new Test(target, name.Text, arguments, keyword.Line, keyword.Column);
        return negated ? new Unary("not", test, keyword.Line, keyword.Column) : test;
    }

    /// <summary>Jinja's rule for a test's one argument without parentheses (<c>x is divisibleby 3</c>).</summary>
    private bool StartsTestArgument() =>
        (stream.Current.Kind is TokenKind.Name or TokenKind.String or TokenKind.Integer or TokenKind.Float
            && !stream.IsName("else") && !stream.IsName("or") && !stream.IsName("and"))
        || stream.IsOperator("[") || stream.IsOperator("{");
}
