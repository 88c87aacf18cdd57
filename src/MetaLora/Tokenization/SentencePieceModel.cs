using Google.Protobuf;

namespace MetaLora.Tokenization;

/// <summary>
/// The parts of a SentencePiece <c>tokenizer.model</c> (sentencepiece_model.proto, proto2) that
/// encoding needs: the pieces with score and type, the trainer options that act at encoding time and
/// the normaliser spec. Absent fields take the proto's defaults, which differ from zero for several
/// flags (add_dummy_prefix, remove_extra_whitespaces and escape_whitespaces default to true).
/// </summary>
internal sealed class SentencePieceModel
{
    public enum PieceType { Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 }

    public const int UnigramModel = 1, BpeModel = 2;

    public List<(string Piece, float Score, PieceType Type)> Pieces { get; } = [];
    public int ModelType { get; private set; } = UnigramModel;
    public bool ByteFallback { get; private set; }
    public bool TreatWhitespaceAsSuffix { get; private set; }
    public int UnkId { get; private set; }
    public int BosId { get; private set; } = 1;
    public int EosId { get; private set; } = 2;
    public string UnknownSurface { get; private set; } = " \u2047 ";
    public string NormalizerName { get; private set; } = "";
    public byte[] PrecompiledCharsMap { get; private set; } = [];
    public bool AddDummyPrefix { get; private set; } = true;
    public bool RemoveExtraWhitespaces { get; private set; } = true;
    public bool EscapeWhitespaces { get; private set; } = true;

    /// <exception cref="InvalidProtocolBufferException">The bytes are not a model proto.</exception>
    public static SentencePieceModel Parse(byte[] bytes)
    {
        var model = new SentencePieceModel();
        var input = new CodedInputStream(bytes);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1 when IsMessage(tag): model.Pieces.Add(ReadPiece(input.ReadBytes())); break;
                case 2 when IsMessage(tag): model.ReadTrainerSpec(input.ReadBytes()); break;
                case 3 when IsMessage(tag): model.ReadNormalizerSpec(input.ReadBytes()); break;
                default: input.SkipLastField(); break;
            }
        }
        return model;
    }

    private static bool IsMessage(uint tag) => WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited;

    private static (string, float, PieceType) ReadPiece(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        string piece = "";
        float score = 0;
        var type = PieceType.Normal;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (tag)
            {
                case (1 << 3) | 2: piece = input.ReadString(); break;
                case (2 << 3) | 5: score = input.ReadFloat(); break;
                case (3 << 3) | 0: type = (PieceType)input.ReadEnum(); break;
                default: input.SkipLastField(); break;
            }
        }
        return (piece, score, type);
    }

    private void ReadTrainerSpec(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            // Field numbers of TrainerSpec: model_type 3, treat_whitespace_as_suffix 24, byte_fallback 35, unk/bos/eos ids 40-42, unk_surface 44.
            switch (tag)
            {
                case (3 << 3) | 0: ModelType = input.ReadEnum(); break;
                case (24 << 3) | 0: TreatWhitespaceAsSuffix = input.ReadBool(); break;
                case (35 << 3) | 0: ByteFallback = input.ReadBool(); break;
                case (40 << 3) | 0: UnkId = input.ReadInt32(); break;
                case (41 << 3) | 0: BosId = input.ReadInt32(); break;
                case (42 << 3) | 0: EosId = input.ReadInt32(); break;
                case (44 << 3) | 2: UnknownSurface = input.ReadString(); break;
                default: input.SkipLastField(); break;
            }
        }
    }

    private void ReadNormalizerSpec(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (tag)
            {
                case (1 << 3) | 2: NormalizerName = input.ReadString(); break;
                case (2 << 3) | 2: PrecompiledCharsMap = input.ReadBytes().ToByteArray(); break;
                case (3 << 3) | 0: AddDummyPrefix = input.ReadBool(); break;
                case (4 << 3) | 0: RemoveExtraWhitespaces = input.ReadBool(); break;
                case (5 << 3) | 0: EscapeWhitespaces = input.ReadBool(); break;
                default: input.SkipLastField(); break;
            }
        }
    }
}
