using System.Buffers;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace MetaLora.Tokenization;

/// <summary>
/// A SentencePiece BPE <c>tokenizer.model</c> (Llama, Mistral) that encodes to exactly Google
/// SentencePiece's ids: its normaliser (<see cref="SentencePieceNormalizer"/>) and its merge order
/// (<see cref="SentencePieceBpe"/>), plus BOS/EOS as asked, and decodes as SentencePiece does
/// (<see cref="SentencePieceDecoder"/>). Microsoft.ML.Tokenizers' LlamaTokenizer breaks ties between
/// equal-scoring pairs differently (runs of one repeated character come out split otherwise; see the
/// README) and rejects models with a character map (nmt_nfkc), so the model is read here too.
/// </summary>
internal sealed class SentencePieceBpeTokenizer : Tokenizer
{
    private readonly SentencePieceNormalizer _normalizer;
    private readonly SentencePieceBpe _bpe;
    private readonly string[] _pieces;
    private readonly SentencePieceDecoder _decoder;
    private readonly string _source;

    [ThreadStatic] private static (StringBuilder Text, List<int> Origin)? t_normalized;

    private SentencePieceBpeTokenizer(SentencePieceModel model, string source, bool addBos, bool addEos)
    {
        _source = source;
        var userDefined = new UserDefinedMatcher(model.Pieces
            .Where(p => p.Type == SentencePieceModel.PieceType.UserDefined).Select(p => p.Piece));
        _normalizer = new SentencePieceNormalizer(model, userDefined);
        _bpe = new SentencePieceBpe(model, userDefined);
        _pieces = model.Pieces.Select(p => p.Piece).ToArray();
        _decoder = new SentencePieceDecoder(model);
        BeginningOfSentenceId = model.BosId;
        EndOfSentenceId = model.EosId;
        AddBeginningOfSentence = addBos;
        AddEndOfSentence = addEos;
    }

    public int BeginningOfSentenceId { get; }
    public int EndOfSentenceId { get; }
    public bool AddBeginningOfSentence { get; }
    public bool AddEndOfSentence { get; }

    /// <summary>Number of pieces (ids 0 to VocabularySize - 1).</summary>
    public int VocabularySize => _pieces.Length;

    /// <summary>Reads a SentencePiece BPE model file; bad or unsupported files are <see cref="BadInputException"/>s naming the file.</summary>
    public static SentencePieceBpeTokenizer Load(string modelPath, bool addBos = true, bool addEos = false)
    {
        if (!File.Exists(modelPath)) throw BadInputException.At(modelPath, "tokenizer model file does not exist");
        var bytes = File.ReadAllBytes(modelPath);
        SentencePieceModel model;
        try { model = SentencePieceModel.Parse(bytes); }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            throw BadInputException.At(modelPath, $"not a usable SentencePiece BPE model ({OneLine(e.Message)})");
        }
        if (model.ModelType != SentencePieceModel.BpeModel)
            throw BadInputException.At(modelPath, $"not a usable SentencePiece BPE model (model_type is {ModelTypeName(model.ModelType)}, expected BPE)");
        if (model.Pieces.Count == 0) throw BadInputException.At(modelPath, "not a usable SentencePiece BPE model (no pieces)");
        CheckSpecialId(modelPath, model, "unk_id", model.UnkId, required: true);
        CheckSpecialId(modelPath, model, "bos_id", model.BosId, addBos);
        CheckSpecialId(modelPath, model, "eos_id", model.EosId, addEos);
        try { return new SentencePieceBpeTokenizer(model, modelPath, addBos, addEos); }
        catch (FormatException e) { throw BadInputException.At(modelPath, $"not a usable SentencePiece BPE model ({e.Message})"); }
    }

    private static void CheckSpecialId(string path, SentencePieceModel model, string name, int id, bool required)
    {
        if (required && (id < 0 || id >= model.Pieces.Count))
            throw BadInputException.At(path, $"{name} is {id}, not one of the model's {model.Pieces.Count} pieces");
    }

    private static string ModelTypeName(int type) => type switch { 1 => "unigram", 2 => "BPE", 3 => "word", 4 => "char", _ => type.ToString() };

    private static string OneLine(string message) => message.Replace('\r', ' ').Replace('\n', ' ');

    /// <summary>The ids of <paramref name="text"/>, with BOS/EOS as configured (also for empty text, as SentencePiece does).</summary>
    public void EncodeToIds(string text, List<int> ids)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(ids);
        if (AddBeginningOfSentence) ids.Add(BeginningOfSentenceId);
        var (normalized, _) = Normalize(text);
        _bpe.Encode(Chunk(normalized), ids, ranges: null);
        if (AddEndOfSentence) ids.Add(EndOfSentenceId);
    }

    protected override EncodeResults<int> EncodeToIds(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        if (settings.MaxTokenCount > 0 && settings.MaxTokenCount < int.MaxValue)
        {
            var tokens = EncodeToTokens(text, textSpan, settings);
            return new EncodeResults<int> { Tokens = tokens.Tokens.Select(t => t.Id).ToList(), NormalizedText = null, CharsConsumed = tokens.CharsConsumed };
        }
        var source = text ?? textSpan.ToString();
        var ids = new List<int>(source.Length / 3 + 2);
        EncodeToIds(source, ids);
        return new EncodeResults<int> { Tokens = ids, NormalizedText = null, CharsConsumed = source.Length };
    }

    protected override EncodeResults<EncodedToken> EncodeToTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        var source = text ?? textSpan.ToString();
        var (normalized, origin) = Normalize(source);
        var ids = new List<int>();
        var ranges = new List<(int Start, int End)>();
        _bpe.Encode(Chunk(normalized), ids, ranges);

        var max = settings.MaxTokenCount > 0 ? settings.MaxTokenCount : int.MaxValue;
        var tokens = new List<EncodedToken>(ids.Count + 2);
        var consumed = source.Length;
        if (AddBeginningOfSentence) tokens.Add(new EncodedToken(BeginningOfSentenceId, _pieces[BeginningOfSentenceId], new Range(0, 0)));
        for (var i = 0; i < ids.Count; i++)
        {
            var start = origin[ranges[i].Start];
            if (tokens.Count >= max)
            {
                consumed = start;
                break;
            }
            var end = ranges[i].End < origin.Count ? origin[ranges[i].End] : source.Length;
            tokens.Add(new EncodedToken(ids[i], _pieces[ids[i]], new Range(start, Math.Max(start, end))));
        }
        if (AddEndOfSentence && tokens.Count < max) tokens.Add(new EncodedToken(EndOfSentenceId, _pieces[EndOfSentenceId], new Range(source.Length, source.Length)));
        return new EncodeResults<EncodedToken> { Tokens = tokens, NormalizedText = null, CharsConsumed = consumed };
    }

    private (StringBuilder Text, List<int> Origin) Normalize(string text)
    {
        var buffers = t_normalized ??= (new StringBuilder(), new List<int>());
        try { _normalizer.Normalize(text, buffers.Text, buffers.Origin); }
        catch (FormatException e) { throw BadInputException.At(_source, $"not a usable SentencePiece BPE model ({e.Message})"); }
        return buffers;
    }

    /// <summary>The normalised text as one span (the builder holds one chunk at a time here, or is copied once).</summary>
    private static ReadOnlySpan<char> Chunk(StringBuilder text)
    {
        var enumerator = text.GetChunks();
        if (enumerator.MoveNext())
        {
            var first = enumerator.Current;
            if (first.Length == text.Length) return first.Span;
        }
        return text.ToString().AsSpan();
    }

    public override string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return _decoder.Decode(ids);
    }

    public override OperationStatus Decode(IEnumerable<int> ids, Span<char> destination, out int idsConsumed, out int charsWritten)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var all = ids as int[] ?? ids.ToArray();
        var text = _decoder.Decode(all);
        if (text.AsSpan().TryCopyTo(destination))
        {
            (idsConsumed, charsWritten) = (all.Length, text.Length);
            return OperationStatus.Done;
        }
        // The longest prefix of ids whose text fits (a byte run's text depends on its whole run, so decode each prefix).
        idsConsumed = 0;
        charsWritten = 0;
        for (var n = all.Length - 1; n > 0; n--)
        {
            var prefix = _decoder.Decode(all.AsSpan(0, n).ToArray());
            if (!prefix.AsSpan().TryCopyTo(destination)) continue;
            (idsConsumed, charsWritten) = (n, prefix.Length);
            break;
        }
        return OperationStatus.DestinationTooSmall;
    }
}
