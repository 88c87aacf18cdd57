namespace MetaLora.Evaluation;

/// <summary>
/// A text's ROUGE tokens as ids shared with the text it is compared with, all in one array, and the
/// range of each non-empty line ("\n"-separated, as rouge_score splits for rougeLsum).
/// </summary>
internal sealed class TokenizedText
{
    private readonly int[] _ids;

    private TokenizedText(int[] ids, List<Range> lines)
    {
        _ids = ids;
        Lines = lines;
    }

    public ReadOnlySpan<int> All => _ids;

    /// <summary>One range per line of at least one character, even one without tokens.</summary>
    public IReadOnlyList<Range> Lines { get; }

    public ReadOnlySpan<int> Line(Range line) => _ids.AsSpan(line);

    public static TokenizedText Of(string text, Dictionary<string, int> ids)
    {
        var tokens = new List<string>();
        var lines = new List<Range>();
        var rest = text.AsSpan();
        while (true)
        {
            var end = rest.IndexOf('\n');
            var line = end < 0 ? rest : rest[..end];
            if (!line.IsEmpty)
            {
                var start = tokens.Count;
                RougeTokenizer.Tokenize(line, stem: true, tokens);
                lines.Add(start..tokens.Count);
            }
            if (end < 0) break;
            rest = rest[(end + 1)..];
        }

        var array = new int[tokens.Count];
        for (var i = 0; i < array.Length; i++)
        {
            if (!ids.TryGetValue(tokens[i], out var id)) ids.Add(tokens[i], id = ids.Count);
            array[i] = id;
        }
        return new TokenizedText(array, lines);
    }
}
