using System.Globalization;
using System.Text;

namespace MetaLora.Tokenization;

/// <summary>
/// SentencePiece's decoding of ids: control pieces (BOS, EOS) give nothing, the unknown piece its
/// surface (" ⁇ " by default), a run of byte pieces the UTF-8 text of its bytes (each byte that does
/// not start a valid sequence becomes U+FFFD), other pieces their text with U+2581 as a space; the
/// first piece after any control pieces loses one leading U+2581 (the dummy prefix) when the model
/// adds a dummy prefix or removes extra whitespace. Ids outside the
/// model give nothing (a model's output layer may be larger than its tokenizer).
/// </summary>
internal sealed class SentencePieceDecoder
{
    private readonly string[] _pieces;
    private readonly SentencePieceModel.PieceType[] _types;
    private readonly int _unkId;
    private readonly string _unknownSurface;
    private readonly bool _dropsLeadingSpace;

    public SentencePieceDecoder(SentencePieceModel model)
    {
        _pieces = model.Pieces.Select(p => p.Piece).ToArray();
        _types = model.Pieces.Select(p => p.Type).ToArray();
        _unkId = model.UnkId;
        _unknownSurface = model.UnknownSurface;
        // As SentencePiece 0.1.97 does, also when the model puts spaces after words (its trailing one stays).
        _dropsLeadingSpace = model.AddDummyPrefix || model.RemoveExtraWhitespaces;
    }

    public string Decode(IEnumerable<int> ids)
    {
        var text = new StringBuilder();
        var bytes = new List<byte>();
        var first = true;
        foreach (var id in ids)
        {
            if ((uint)id >= (uint)_pieces.Length) continue;
            var type = _types[id];
            if (type == SentencePieceModel.PieceType.Control) continue;
            var atStart = first;
            first = false;
            if (type == SentencePieceModel.PieceType.Byte && TryParseByte(_pieces[id], out var b))
            {
                bytes.Add(b);
                continue;
            }
            FlushBytes(bytes, text);
            if (id == _unkId)
            {
                text.Append(_unknownSurface);
                continue;
            }
            var piece = _pieces[id].AsSpan();
            if (atStart && _dropsLeadingSpace && piece.StartsWith(SentencePieceNormalizer.SpaceSymbol)) piece = piece[1..];
            foreach (var c in piece) text.Append(c == SentencePieceNormalizer.SpaceSymbol ? ' ' : c);
        }
        FlushBytes(bytes, text);
        return text.ToString();
    }

    private static void FlushBytes(List<byte> bytes, StringBuilder text)
    {
        if (bytes.Count == 0) return;
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes);
        while (!span.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(span, out var rune, out var consumed) == System.Buffers.OperationStatus.Done)
            {
                text.Append(rune.ToString());
                span = span[consumed..];
            }
            else
            {
                // SentencePiece replaces one byte at a time, not the maximal invalid subsequence.
                text.Append('\uFFFD');
                span = span[1..];
            }
        }
        bytes.Clear();
    }

    /// <summary>"&lt;0x41&gt;" is byte 0x41.</summary>
    private static bool TryParseByte(string piece, out byte value)
    {
        value = 0;
        return piece.Length == 6 && piece.StartsWith("<0x", StringComparison.Ordinal) && piece[5] == '>'
            && byte.TryParse(piece.AsSpan(3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }
}
