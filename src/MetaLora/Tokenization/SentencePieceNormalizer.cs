using System.Text;

namespace MetaLora.Tokenization;

/// <summary>
/// SentencePiece's normaliser (normalizer.cc semantics): text is taken one unit at a time (a
/// user-defined piece, else the longest rule of the precompiled character map, else one character);
/// with remove_extra_whitespaces, leading, trailing and repeated spaces go; the dummy prefix (or, with
/// treat_whitespace_as_suffix, suffix) adds one space; with escape_whitespaces every space becomes
/// U+2581. Spaces here are U+0020 only, as in SentencePiece. <see cref="Normalize"/> also returns,
/// for each output character, the index of the input character it came from.
/// </summary>
internal sealed class SentencePieceNormalizer
{
    public const char SpaceSymbol = '\u2581';

    private readonly PrecompiledCharsMap? _charsMap;
    private readonly bool _addDummyPrefix, _removeExtraWhitespaces, _escapeWhitespaces, _whitespaceAsSuffix;
    private readonly UserDefinedMatcher _userDefined;

    public SentencePieceNormalizer(SentencePieceModel model, UserDefinedMatcher userDefined)
    {
        _charsMap = model.PrecompiledCharsMap.Length > 0 ? PrecompiledCharsMap.Parse(model.PrecompiledCharsMap) : null;
        _addDummyPrefix = model.AddDummyPrefix;
        _removeExtraWhitespaces = model.RemoveExtraWhitespaces;
        _escapeWhitespaces = model.EscapeWhitespaces;
        _whitespaceAsSuffix = model.TreatWhitespaceAsSuffix;
        _userDefined = userDefined;
    }

    /// <summary>Appends the normalised text to <paramref name="output"/> and each character's source index to <paramref name="origin"/>.</summary>
    public void Normalize(string text, StringBuilder output, List<int> origin)
    {
        output.Clear();
        origin.Clear();
        if (text.Length == 0) return;
        if (_charsMap is null && _userDefined.Count == 0 && !_removeExtraWhitespaces) Identity(text, output, origin);
        else if (_charsMap is null) Run(new CharSource(text, _userDefined), output, origin);
        else Run(new MappedSource(text, _charsMap, _userDefined), output, origin);
    }

    /// <summary>The Llama/Mistral case (identity, whitespace kept, no user-defined pieces): the loop below, unrolled to characters.</summary>
    private void Identity(string text, StringBuilder output, List<int> origin)
    {
        var space = _escapeWhitespaces ? SpaceSymbol : ' ';
        if (_addDummyPrefix && !_whitespaceAsSuffix) Append(output, origin, space, 0);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == ' ') Append(output, origin, space, i);
            else if (!char.IsSurrogate(c)) Append(output, origin, c, i);
            else if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                Append(output, origin, c, i);
                Append(output, origin, text[++i], i - 1);
            }
            else Append(output, origin, '\uFFFD', i);
        }
        if (_addDummyPrefix && _whitespaceAsSuffix) Append(output, origin, space, text.Length);
    }

    /// <summary>The normaliser's loop over units; generic so that the identity path stays allocation-free.</summary>
    private void Run<TSource>(TSource source, StringBuilder output, List<int> origin) where TSource : IUnitSource
    {
        var space = _escapeWhitespaces ? SpaceSymbol : ' ';
        var position = 0;
        if (_removeExtraWhitespaces)
        {
            while (position < source.Length)
            {
                var (unit, consumed) = source.Next(position);
                if (unit is not " ") break;
                position += consumed;
            }
        }
        if (position >= source.Length) return;
        if (_addDummyPrefix && !_whitespaceAsSuffix) Append(output, origin, space, source.Origin(position));

        var previousIsSpace = _removeExtraWhitespaces;
        while (position < source.Length)
        {
            var (unit, consumed) = source.Next(position);
            var piece = unit.AsSpan();
            if (previousIsSpace) piece = piece.TrimStart(' ');
            if (!piece.IsEmpty)
            {
                var from = source.Origin(position);
                foreach (var c in piece) Append(output, origin, c == ' ' && _escapeWhitespaces ? SpaceSymbol : c, from);
                previousIsSpace = piece[^1] == ' ';
            }
            position += consumed;
            if (!_removeExtraWhitespaces) previousIsSpace = false;
        }

        if (_removeExtraWhitespaces)
        {
            while (output.Length > 0 && output[^1] == space)
            {
                output.Length--;
                origin.RemoveAt(origin.Count - 1);
            }
        }
        if (_addDummyPrefix && _whitespaceAsSuffix) Append(output, origin, space, source.Origin(source.Length));
    }

    private static void Append(StringBuilder output, List<int> origin, char c, int from)
    {
        output.Append(c);
        origin.Add(from);
    }

    private interface IUnitSource
    {
        int Length { get; }

        /// <summary>The unit's normalised text and how many positions it consumes.</summary>
        (string Unit, int Consumed) Next(int position);

        /// <summary>The input character index of a position.</summary>
        int Origin(int position);
    }

    /// <summary>Identity normalisation over UTF-16: a unit is one code point (a lone surrogate becomes U+FFFD, as invalid UTF-8 does in SentencePiece).</summary>
    private readonly struct CharSource(string text, UserDefinedMatcher userDefined) : IUnitSource
    {
        private static readonly string[] Ascii = Enumerable.Range(0, 128).Select(c => ((char)c).ToString()).ToArray();

        public int Length => text.Length;

        public (string, int) Next(int position)
        {
            var matched = userDefined.LongestMatch(text.AsSpan(position));
            if (matched > 0) return (text.Substring(position, matched), matched);
            var c = text[position];
            if (c < 128) return (Ascii[c], 1);
            if (char.IsHighSurrogate(c) && position + 1 < text.Length && char.IsLowSurrogate(text[position + 1]))
                return (text.Substring(position, 2), 2);
            if (char.IsSurrogate(c)) return ("\uFFFD", 1);
            return (c.ToString(), 1);
        }

        public int Origin(int position) => position;
    }

    /// <summary>Normalisation through the character map, over the text's UTF-8 bytes, as SentencePiece works.</summary>
    private readonly struct MappedSource : IUnitSource
    {
        private readonly byte[] _bytes;
        private readonly int[] _charOf;
        private readonly PrecompiledCharsMap _map;
        private readonly UserDefinedMatcher _userDefined;
        private readonly string _text;

        public MappedSource(string text, PrecompiledCharsMap map, UserDefinedMatcher userDefined)
        {
            _text = text;
            _map = map;
            _userDefined = userDefined;
            _bytes = Encoding.UTF8.GetBytes(text);
            _charOf = new int[_bytes.Length + 1];
            var b = 0;
            for (var i = 0; i < text.Length; i++)
            {
                var n = char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])
                    ? 4 : Encoding.UTF8.GetByteCount(text.AsSpan(i, 1));
                for (var k = 0; k < n; k++) _charOf[b + k] = i;
                b += n;
                if (n == 4) i++;
            }
            _charOf[b] = text.Length;
        }

        public int Length => _bytes.Length;

        public (string, int) Next(int position)
        {
            var rest = _bytes.AsSpan(position);
            if (_userDefined.Count > 0)
            {
                var charPosition = _charOf[position];
                var matched = _userDefined.LongestMatch(_text.AsSpan(charPosition));
                if (matched > 0)
                {
                    var piece = _text.Substring(charPosition, matched);
                    return (piece, Encoding.UTF8.GetByteCount(piece));
                }
            }
            var length = _map.LongestMatch(rest, out var replacement);
            if (length > 0) return (Encoding.UTF8.GetString(replacement), length);
            var sequence = Rune.DecodeFromUtf8(rest, out var rune, out var consumed);
            return sequence == System.Buffers.OperationStatus.Done ? (rune.ToString(), consumed) : ("\uFFFD", 1);
        }

        public int Origin(int position) => _charOf[position];
    }
}
