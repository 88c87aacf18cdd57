namespace MetaLora.Tokenization.Templates;

/// <summary>
/// One token of a template. <see cref="Text"/> is the data's text, a name, an operator, a number as
/// written, or a string literal's value with its escapes resolved. Line and column are 1-based.
/// </summary>
internal readonly record struct TemplateToken(TokenKind Kind, string Text, int Line, int Column)
{
    /// <summary>The token as an error message quotes it.</summary>
    public string Describe() => Kind switch
    {
        TokenKind.BlockEnd => "'%}'",
        TokenKind.VariableEnd => "'}}'",
        TokenKind.BlockBegin => "'{%'",
        TokenKind.VariableBegin => "'{{'",
        TokenKind.End => "the end of the template",
        TokenKind.Data => "text",
        TokenKind.String => "a string",
        _ => $"'{Text}'",
    };
}
