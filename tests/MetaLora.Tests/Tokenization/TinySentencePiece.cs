using Google.Protobuf;

namespace MetaLora.Tests.Tokenization;

/// <summary>
/// Encodes a minimal SentencePiece BPE model (sentencepiece_model.proto) so that the SentencePiece
/// path can be tested without a real tokenizer.model. Field numbers follow that proto:
/// ModelProto{pieces=1, trainer_spec=2, normalizer_spec=3}, SentencePiece{piece=1, score=2, type=3},
/// TrainerSpec{model_type=3, unk_id=40, bos_id=41, eos_id=42}, NormalizerSpec{name=1, precompiled_charsmap=2,
/// add_dummy_prefix=3, remove_extra_whitespaces=4, escape_whitespaces=5}.
/// </summary>
internal static class TinySentencePiece
{
    private const int Normal = 1, Unknown = 2, Control = 3;
    private const int Bpe = 2;

    /// <summary>Piece ids are list positions: 0 &lt;unk&gt;, 1 &lt;s&gt;, 2 &lt;/s&gt;, then the pieces below.</summary>
    public static readonly (string Piece, float Score, int Type)[] Pieces =
    [
        ("<unk>", 0, Unknown), ("<s>", 0, Control), ("</s>", 0, Control),
        ("▁", 0, Normal), ("h", 0, Normal), ("e", 0, Normal), ("l", 0, Normal), ("o", 0, Normal),
        ("w", 0, Normal), ("r", 0, Normal), ("d", 0, Normal),
        // Merges: a higher score merges first.
        ("he", -1, Normal), ("ll", -2, Normal), ("hell", -3, Normal), ("hello", -4, Normal), ("▁hello", -5, Normal),
    ];

    public static int Id(string piece) => Array.FindIndex(Pieces, p => p.Piece == piece);

    public static byte[] Build(int modelType = Bpe, byte[]? charsMap = null)
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        foreach (var (piece, score, type) in Pieces)
        {
            WriteMessage(output, 1, o =>
            {
                o.WriteTag(1, WireFormat.WireType.LengthDelimited); o.WriteString(piece);
                o.WriteTag(2, WireFormat.WireType.Fixed32); o.WriteFloat(score);
                o.WriteTag(3, WireFormat.WireType.Varint); o.WriteEnum(type);
            });
        }
        WriteMessage(output, 2, o =>
        {
            o.WriteTag(3, WireFormat.WireType.Varint); o.WriteEnum(modelType);
            o.WriteTag(40, WireFormat.WireType.Varint); o.WriteInt32(0);
            o.WriteTag(41, WireFormat.WireType.Varint); o.WriteInt32(1);
            o.WriteTag(42, WireFormat.WireType.Varint); o.WriteInt32(2);
        });
        WriteMessage(output, 3, o =>
        {
            o.WriteTag(1, WireFormat.WireType.LengthDelimited); o.WriteString(charsMap is null ? "identity" : "nmt_nfkc");
            if (charsMap is not null) { o.WriteTag(2, WireFormat.WireType.LengthDelimited); o.WriteBytes(ByteString.CopyFrom(charsMap)); }
            o.WriteTag(3, WireFormat.WireType.Varint); o.WriteBool(true);
            o.WriteTag(4, WireFormat.WireType.Varint); o.WriteBool(false);
            o.WriteTag(5, WireFormat.WireType.Varint); o.WriteBool(true);
        });
        output.Flush();
        return buffer.ToArray();
    }

    private static void WriteMessage(CodedOutputStream output, int field, Action<CodedOutputStream> body)
    {
        using var inner = new MemoryStream();
        var o = new CodedOutputStream(inner);
        body(o);
        o.Flush();
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(inner.ToArray()));
    }
}
