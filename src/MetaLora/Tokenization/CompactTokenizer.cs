using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using MetaLora.Formats;
using Microsoft.ML.Tokenizers;
using MetaLora.IO;

namespace MetaLora.Tokenization;

/// <summary>
/// A tiktoken BPE (GPT-2's) whose ids are renumbered into a compact vocabulary: the base ids that
/// occur in a corpus, in ascending order, after three special ids (unknown, BOS, EOS). The text is
/// split into pieces exactly as GPT-2 splits it; only the numbering changes, so a tiny model needs
/// an embedding of a few thousand rows instead of GPT-2's 50257. A piece outside the compact list
/// becomes the unknown id. BOS is added at the start (as Mistral's tokenizer does) unless disabled.
/// </summary>
internal sealed class CompactTokenizer : Tokenizer
{
    public const string FileName = "compact_vocab.json";
    public const int UnknownId = 0;
    public const int BosId = 1;
    public const int EosId = 2;
    public const int SpecialCount = 3;

    private readonly Tokenizer _base;
    private readonly int[] _baseIds;
    private readonly Dictionary<int, int> _compactOf;

    public CompactTokenizer(Tokenizer baseTokenizer, string baseModel, IReadOnlyList<int> baseIds, bool addBos = true)
    {
        ArgumentNullException.ThrowIfNull(baseTokenizer);
        ArgumentNullException.ThrowIfNull(baseIds);
        _base = baseTokenizer;
        BaseModel = baseModel;
        _baseIds = baseIds.ToArray();
        _compactOf = new Dictionary<int, int>(_baseIds.Length);
        for (var i = 0; i < _baseIds.Length; i++)
        {
            if (i > 0 && _baseIds[i] <= _baseIds[i - 1])
                throw new ArgumentException($"base ids must be strictly ascending (position {i}: {_baseIds[i]} after {_baseIds[i - 1]})", nameof(baseIds));
            _compactOf.Add(_baseIds[i], SpecialCount + i);
        }
        AddBos = addBos;
    }

    /// <summary>The tiktoken model whose pieces are renumbered (e.g. "gpt2").</summary>
    public string BaseModel { get; }

    public bool AddBos { get; }

    /// <summary>Number of compact ids: the special ids plus the kept base ids.</summary>
    public int VocabSize => SpecialCount + _baseIds.Length;

    /// <summary>The sorted distinct base ids of <paramref name="texts"/>: the compact vocabulary of a corpus.</summary>
    public static int[] CollectBaseIds(Tokenizer baseTokenizer, IEnumerable<string> texts)
    {
        var ids = new HashSet<int>();
        foreach (var text in texts) ids.UnionWith(baseTokenizer.EncodeToIds(text));
        return ids.Order().ToArray();
    }

    /// <summary>Reads <c>compact_vocab.json</c>; the base tokenizer is built in (offline).</summary>
    public static CompactTokenizer Load(string path, bool addBos = true)
    {
        if (!File.Exists(path)) throw BadInputException.At(path, "compact vocabulary file does not exist");
        VocabFile? file;
        try { file = JsonSerializer.Deserialize<VocabFile>(File.ReadAllBytes(path)); }
        catch (JsonException e) { throw BadInputException.At(path, $"invalid JSON ({JsonText.Describe(e)})", (int)(e.LineNumber ?? -1) + 1); }
        if (file is null || string.IsNullOrEmpty(file.Base) || file.Ids is null || file.Ids.Length == 0)
            throw BadInputException.At(path, "expected {\"base\": \"gpt2\", \"special\": [...], \"ids\": [...]} with a non-empty id list");
        if (file.Special is not ["<unk>", "<s>", "</s>"])
            throw BadInputException.At(path, "\"special\" must be [\"<unk>\", \"<s>\", \"</s>\"] (ids 0, 1, 2)");
        var baseTokenizer = TokenizerFactory.CreateTiktoken(path, file.Base);
        try { return new CompactTokenizer(baseTokenizer, file.Base, file.Ids, addBos); }
        catch (ArgumentException e) { throw BadInputException.At(path, e.Message); }
    }

    public void Save(string path)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(new VocabFile(BaseModel, ["<unk>", "<s>", "</s>"], _baseIds),
            new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        AtomicFile.WriteAllBytes(path, json);
    }

    /// <summary>The compact id of one base id (unknown when the corpus never produced it).</summary>
    public int CompactId(int baseId) => _compactOf.GetValueOrDefault(baseId, UnknownId);

    protected override EncodeResults<EncodedToken> EncodeToTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        var source = text ?? textSpan.ToString();
        var pieces = _base.EncodeToTokens(source, out _, settings.ConsiderPreTokenization, settings.ConsiderNormalization);
        var tokens = new List<EncodedToken>(pieces.Count + 1);
        if (AddBos) tokens.Add(new EncodedToken(BosId, "<s>", new Range(0, 0)));
        var consumed = source.Length;
        foreach (var piece in pieces)
        {
            if (settings.MaxTokenCount > 0 && tokens.Count >= settings.MaxTokenCount)
            {
                consumed = piece.Offset.Start.Value;
                break;
            }
            tokens.Add(new EncodedToken(CompactId(piece.Id), piece.Value, piece.Offset));
        }
        return new EncodeResults<EncodedToken> { Tokens = tokens, NormalizedText = null, CharsConsumed = consumed };
    }

    /// <summary>Decodes compact ids; special and unknown ids produce no text.</summary>
    public override OperationStatus Decode(IEnumerable<int> ids, Span<char> destination, out int idsConsumed, out int charsWritten)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var all = ids.ToArray();
        var status = _base.Decode(ToBase(all), destination, out var baseConsumed, out charsWritten);
        idsConsumed = status == OperationStatus.Done ? all.Length : CountUpTo(all, baseConsumed);
        return status;
    }

    private IEnumerable<int> ToBase(IEnumerable<int> ids)
    {
        foreach (var id in ids)
            if (id >= SpecialCount && id < VocabSize) yield return _baseIds[id - SpecialCount];
    }

    /// <summary>How many compact ids it takes to cover <paramref name="baseCount"/> base ids (specials cost none).</summary>
    private int CountUpTo(int[] ids, int baseCount)
    {
        var i = 0;
        for (var seen = 0; i < ids.Length && seen < baseCount; i++)
            if (ids[i] >= SpecialCount && ids[i] < VocabSize) seen++;
        return i;
    }

    private sealed record VocabFile(
        [property: System.Text.Json.Serialization.JsonPropertyName("base")] string Base,
        [property: System.Text.Json.Serialization.JsonPropertyName("special")] string[] Special,
        [property: System.Text.Json.Serialization.JsonPropertyName("ids")] int[] Ids);
}
