using static MetaLora.Tokenization.Templates.TemplateNode;

namespace MetaLora.Tokenization.Templates;

/// <summary>
/// Parses a template's statements: text, <c>{{ }}</c>, and the tags chat templates use (<c>if</c>,
/// <c>for</c>, <c>set</c>, <c>break</c>, <c>continue</c>, <c>generation</c>). Tags that would load other
/// templates or define macros are refused with the tag named, as is any tag it does not know.
/// </summary>
internal sealed class TemplateParser
{
    /// <summary>How deep blocks may nest.</summary>
    public const int MaxNesting = 64;

    private static readonly HashSet<string> Unsupported =
        ["macro", "call", "include", "extends", "block", "import", "from", "filter", "with", "autoescape", "do", "trans", "raw"];

    private static readonly string[] Reserved = ["true", "false", "none", "True", "False", "None"];

    private readonly TokenStream _stream;
    private readonly ExpressionParser _expressions;
    private int _nesting;
    private int _loops;

    private TemplateParser(IReadOnlyList<TemplateToken> tokens)
    {
        _stream = new TokenStream(tokens);
        _expressions = new ExpressionParser(_stream);
    }

    public static IReadOnlyList<TemplateNode> Parse(string source) =>
        new TemplateParser(TemplateLexer.Tokenize(source)).ParseBody([], default, "").Body;

    /// <summary>Statements up to one of <paramref name="ends"/> (whose name it consumes and returns), or to the end of the template when there are none.</summary>
    private (List<TemplateNode> Body, string End) ParseBody(string[] ends, TemplateToken opener, string openerName)
    {
        var body = new List<TemplateNode>();
        while (true)
        {
            var token = _stream.Current;
            switch (token.Kind)
            {
                case TokenKind.End when ends.Length == 0:
                    return (body, "");
                case TokenKind.End:
                    throw TokenStream.Error(opener, $"'{openerName}' is never closed with '{ends[^1]}'");
                case TokenKind.Data:
                    body.Add(new Text(_stream.Next().Text, token.Line, token.Column));
                    break;
                case TokenKind.VariableBegin:
                    _stream.Next();
                    var value = _expressions.ParseTuple();
                    _stream.Expect(TokenKind.VariableEnd, "'}}'");
                    body.Add(new Output(value, token.Line, token.Column));
                    break;
                case TokenKind.BlockBegin when _stream.Peek.Kind == TokenKind.Name && ends.Contains(_stream.Peek.Text):
                    _stream.Next();
                    return (body, _stream.Next().Text);
                case TokenKind.BlockBegin:
                    _stream.Next();
                    body.Add(ParseStatement(token, ends));
                    break;
                default:
                    throw TokenStream.Error(token, $"unexpected {token.Describe()}");
            }
        }
    }

    private TemplateNode ParseStatement(TemplateToken begin, string[] ends)
    {
        var name = _stream.Expect(TokenKind.Name, "a tag name");
        return name.Text switch
        {
            "if" => Nested(() => ParseIf(begin)),
            "for" => Nested(() => ParseFor(begin)),
            "set" => ParseSet(begin),
            "break" or "continue" => ParseLoopControl(name, begin),
            "generation" => Nested(() => new Generation(ParseOwnBody(begin, "generation", "endgeneration"), begin.Line, begin.Column)),
            _ when Unsupported.Contains(name.Text) =>
                throw TokenStream.Error(name, $"'{name.Text}' tags are not supported (chat templates here use if, for, set, break, continue)"),
            _ when ends.Length > 0 =>
                throw TokenStream.Error(name, $"unexpected tag '{name.Text}': the innermost open block ends with '{ends[^1]}'"),
            _ => throw TokenStream.Error(name, $"unknown tag '{name.Text}'"),
        };
    }

    private T Nested<T>(Func<T> parse)
    {
        if (++_nesting > MaxNesting) throw TokenStream.Error(_stream.Current, $"blocks nest more than {MaxNesting} levels deep");
        try { return parse(); }
        finally { _nesting--; }
    }

    private TemplateNode ParseIf(TemplateToken begin)
    {
        var branches = new List<(TemplateExpression, IReadOnlyList<TemplateNode>)>();
        IReadOnlyList<TemplateNode> otherwise = [];
        while (true)
        {
            var condition = _expressions.ParseTuple(withConditional: false);
            _stream.Expect(TokenKind.BlockEnd, "'%}'");
            var (body, end) = ParseBody(["elif", "else", "endif"], begin, "if");
            branches.Add((condition, body));
            if (end == "elif") continue;
            if (end == "else")
            {
                _stream.Expect(TokenKind.BlockEnd, "'%}'");
                otherwise = ParseBody(["endif"], begin, "if").Body;
            }
            _stream.Expect(TokenKind.BlockEnd, "'%}'");
            return new If(branches, otherwise, begin.Line, begin.Column);
        }
    }

    private TemplateNode ParseFor(TemplateToken begin)
    {
        var target = ParseTarget(allowAttribute: false, endName: "in");
        _stream.ExpectName("in");
        var iterable = _expressions.ParseTuple(withConditional: false, endName: "recursive");
        var filter = _stream.SkipName("if") ? _expressions.ParseExpression() : null;
        if (_stream.IsName("recursive")) throw TokenStream.Error(_stream.Current, "recursive loops are not supported");
        _stream.Expect(TokenKind.BlockEnd, "'%}'");
        _loops++;
        var (body, end) = ParseBody(["else", "endfor"], begin, "for");
        _loops--;
        IReadOnlyList<TemplateNode> otherwise = [];
        if (end == "else")
        {
            _stream.Expect(TokenKind.BlockEnd, "'%}'");
            otherwise = ParseBody(["endfor"], begin, "for").Body;
        }
        _stream.Expect(TokenKind.BlockEnd, "'%}'");
        return new For(target, iterable, filter, body, otherwise, begin.Line, begin.Column);
    }

    private TemplateNode ParseSet(TemplateToken begin)
    {
        var target = ParseTarget(allowAttribute: true, endName: null);
        if (_stream.SkipOperator("="))
        {
            var value = _expressions.ParseTuple();
            _stream.Expect(TokenKind.BlockEnd, "'%}'");
            return new Set(target, value, begin.Line, begin.Column);
        }
        if (target.Unpacks || target.Attribute is not null) throw _stream.Unexpected("'='");
        if (_stream.IsOperator("|")) throw TokenStream.Error(_stream.Current, "filters on a {% set %} block are not supported");
        return new SetBlock(target.Names[0], Nested(() => ParseOwnBody(begin, "set", "endset")), begin.Line, begin.Column);
    }

    /// <summary>The body of a set or generation block, which renders on its own: a break inside it has no loop to leave.</summary>
    private List<TemplateNode> ParseOwnBody(TemplateToken begin, string name, string end)
    {
        _stream.Expect(TokenKind.BlockEnd, "'%}'");
        var loops = _loops;
        _loops = 0;
        var body = ParseBody([end], begin, name).Body;
        _loops = loops;
        _stream.Expect(TokenKind.BlockEnd, "'%}'");
        return body;
    }

    private TemplateNode ParseLoopControl(TemplateToken name, TemplateToken begin)
    {
        if (_loops == 0) throw TokenStream.Error(name, $"'{name.Text}' outside a for loop");
        _stream.Expect(TokenKind.BlockEnd, "'%}'");
        return new LoopControl(name.Text == "break", begin.Line, begin.Column);
    }

    /// <summary>A name, names to unpack (<c>key, value</c>, optionally in parentheses), or with <paramref name="allowAttribute"/> a namespace's <c>ns.attr</c>.</summary>
    private AssignTarget ParseTarget(bool allowAttribute, string? endName)
    {
        var first = _stream.Current;
        if (allowAttribute && first.Kind == TokenKind.Name && _stream.Peek is { Kind: TokenKind.Operator, Text: "." })
        {
            _stream.Next();
            _stream.Next();
            return new AssignTarget([first.Text], false, _stream.Expect(TokenKind.Name, "an attribute name").Text);
        }
        var parenthesized = _stream.SkipOperator("(");
        var names = new List<string>();
        var unpacks = parenthesized;
        while (true)
        {
            var name = _stream.Expect(TokenKind.Name, "a variable name");
            if (Reserved.Contains(name.Text)) throw TokenStream.Error(name, $"cannot assign to '{name.Text}'");
            names.Add(name.Text);
            if (!_stream.SkipOperator(",")) break;
            unpacks = true;
            if (_stream.IsOperator(")") || _stream.IsOperator("=") || (endName is not null && _stream.IsName(endName))) break;
        }
        if (parenthesized) _stream.ExpectOperator(")");
        return new AssignTarget(names, unpacks, null);
    }
}
