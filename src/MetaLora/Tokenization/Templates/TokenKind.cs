namespace MetaLora.Tokenization.Templates;

/// <summary>What a <see cref="TemplateToken"/> is: text between tags, a tag's delimiters, or a piece of an expression.</summary>
internal enum TokenKind
{
    Data,
    BlockBegin,
    BlockEnd,
    VariableBegin,
    VariableEnd,
    Name,
    String,
    Integer,
    Float,
    Operator,
    End,
}
