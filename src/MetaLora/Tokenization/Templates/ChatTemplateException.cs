namespace MetaLora.Tokenization.Templates;

/// <summary>
/// A chat template that does not parse or cannot render these messages. The message is one line: a
/// syntax or run-time problem names its line and column ("line 3, column 12: unknown filter 'foo'"), and
/// the template's own <c>raise_exception('...')</c> is exactly its text, which a server passes on.
/// </summary>
internal sealed class ChatTemplateException : Exception
{
    /// <summary>A problem whose place is not known yet; the evaluator adds the expression's line and column.</summary>
    public ChatTemplateException(string problem) : this(problem, positioned: false, raised: false) { }

    private ChatTemplateException(string message, bool positioned, bool raised) : base(message)
    {
        IsPositioned = positioned;
        IsRaisedByTemplate = raised;
    }

    /// <summary>Whether the message already names a line and column.</summary>
    public bool IsPositioned { get; }

    /// <summary>Whether the template called <c>raise_exception</c>: the message is then exactly its argument.</summary>
    public bool IsRaisedByTemplate { get; }

    public static ChatTemplateException At(int line, int column, string problem) =>
        new($"line {line}, column {column}: {problem}", positioned: true, raised: false);

    public static ChatTemplateException Raised(string message) => new(message, positioned: false, raised: true);

    /// <summary>This problem placed at <paramref name="line"/>, <paramref name="column"/>, unless it already has a place or is the template's own.</summary>
    public ChatTemplateException PlacedAt(int line, int column) =>
        IsPositioned || IsRaisedByTemplate ? this : At(line, column, Message);
}
