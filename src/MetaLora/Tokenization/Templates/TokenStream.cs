namespace MetaLora.Tokenization.Templates;

/// <summary>The parsers' cursor over a template's tokens; it stays on the final end token.</summary>
internal sealed class TokenStream(IReadOnlyList<TemplateToken> tokens)
{
    private int _index;

    public TemplateToken Current => tokens[_index];

    public TemplateToken Peek => tokens[Math.Min(_index + 1, tokens.Count - 1)];

    public TemplateToken Next()
    {
        var token = tokens[_index];
        if (_index < tokens.Count - 1) _index++;
        return token;
    }

    public bool IsOperator(string op) => Current.Kind == TokenKind.Operator && Current.Text == op;

    public bool IsName(string name) => Current.Kind == TokenKind.Name && Current.Text == name;

    public bool SkipOperator(string op)
    {
        if (!IsOperator(op)) return false;
        Next();
        return true;
    }

    public bool SkipName(string name)
    {
        if (!IsName(name)) return false;
        Next();
        return true;
    }

    public TemplateToken Expect(TokenKind kind, string what)
    {
        if (Current.Kind != kind) throw Unexpected(what);
        return Next();
    }

    public TemplateToken ExpectOperator(string op)
    {
        if (!IsOperator(op)) throw Unexpected($"'{op}'");
        return Next();
    }

    public void ExpectName(string name)
    {
        if (!SkipName(name)) throw Unexpected($"'{name}'");
    }

    public ChatTemplateException Unexpected(string expected) =>
        Error(Current, $"expected {expected}, found {Current.Describe()}");

    public static ChatTemplateException Error(TemplateToken at, string problem) => ChatTemplateException.At(at.Line, at.Column, problem);
}
