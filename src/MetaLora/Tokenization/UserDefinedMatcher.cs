namespace MetaLora.Tokenization;

/// <summary>
/// A model's user-defined pieces: SentencePiece matches the longest one at each position before
/// anything else, and neither normalises nor splits or merges it.
/// </summary>
internal sealed class UserDefinedMatcher
{
    private readonly HashSet<string> _pieces;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly int _maxLength;

    public UserDefinedMatcher(IEnumerable<string> pieces)
    {
        _pieces = new HashSet<string>(pieces.Where(p => p.Length > 0), StringComparer.Ordinal);
        _lookup = _pieces.GetAlternateLookup<ReadOnlySpan<char>>();
        _maxLength = _pieces.Count == 0 ? 0 : _pieces.Max(p => p.Length);
    }

    public int Count => _pieces.Count;

    /// <summary>The length in chars of the longest user-defined piece that starts <paramref name="text"/>, or 0.</summary>
    public int LongestMatch(ReadOnlySpan<char> text)
    {
        for (var length = Math.Min(_maxLength, text.Length); length > 0; length--)
            if (_lookup.Contains(text[..length])) return length;
        return 0;
    }
}
