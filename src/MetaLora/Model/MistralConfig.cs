using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using MetaLora.Formats;
using TorchSharp;
using MetaLora.IO;

namespace MetaLora.Model;

/// <summary>
/// A Hugging Face Mistral <c>config.json</c>: the fields the architecture needs, typed and validated,
/// with the defaults of transformers' <c>MistralConfig</c> where a field is absent. All fields are kept
/// verbatim, so a loaded folder saved again keeps what this code does not read.
/// </summary>
internal sealed class MistralConfig
{
    public const string FileName = "config.json";

    private static readonly JsonSerializerOptions WriteOptions = new()
    {
        WriteIndented = true,
        IndentSize = 2,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly JsonObject _fields;

    private MistralConfig(string path, JsonObject fields)
    {
        Path = path;
        _fields = fields;
        BadInputException Bad(string key, string problem) => BadInputException.At(path, $"\"{key}\" {problem}");

        if (OptionalString(fields, "model_type", Bad) is { } type && type != "mistral")
            throw Bad("model_type", $"is \"{type}\", expected \"mistral\"");
        if (OptionalString(fields, "hidden_act", Bad) is { } act && act != "silu")
            throw Bad("hidden_act", $"is \"{act}\", only \"silu\" (Mistral's SwiGLU) is implemented");

        VocabSize = PositiveInt(fields, "vocab_size", 32000, Bad);
        HiddenSize = PositiveInt(fields, "hidden_size", 4096, Bad);
        IntermediateSize = PositiveInt(fields, "intermediate_size", 14336, Bad);
        NumHiddenLayers = PositiveInt(fields, "num_hidden_layers", 32, Bad);
        NumAttentionHeads = PositiveInt(fields, "num_attention_heads", 32, Bad);
        NumKeyValueHeads = PositiveInt(fields, "num_key_value_heads", 8, Bad);
        if (NumAttentionHeads % NumKeyValueHeads != 0)
            throw Bad("num_key_value_heads", $"is {NumKeyValueHeads}, which does not divide num_attention_heads = {NumAttentionHeads}");
        if (HasValue(fields, "head_dim"))
            HeadDim = PositiveInt(fields, "head_dim", 0, Bad);
        else if (HiddenSize % NumAttentionHeads != 0)
            throw Bad("hidden_size", $"is {HiddenSize}, not a multiple of num_attention_heads = {NumAttentionHeads} (and no head_dim is given)");
        else
            HeadDim = HiddenSize / NumAttentionHeads;
        if (HeadDim % 2 != 0) throw Bad("head_dim", $"is {HeadDim}; rotary embeddings need an even head size");

        RmsNormEps = PositiveNumber(fields, "rms_norm_eps", 1e-6, Bad);
        RopeTheta = PositiveNumber(fields, "rope_theta", 10000, Bad);
        MaxPositionEmbeddings = PositiveInt(fields, "max_position_embeddings", 4096 * 32, Bad);
        InitializerRange = PositiveNumber(fields, "initializer_range", 0.02, Bad);
        // Absent means transformers' default window (4096); an explicit null means full attention (v0.2 and later).
        SlidingWindow = !fields.ContainsKey("sliding_window") ? 4096
            : fields["sliding_window"] is null ? null
            : PositiveInt(fields, "sliding_window", 0, Bad);
        TieWordEmbeddings = OptionalBool(fields, "tie_word_embeddings", Bad) ?? false;
        BosTokenId = OptionalTokenIds(fields, "bos_token_id", Bad) is { } bos ? bos[0] : 1;
        EosTokenIds = OptionalTokenIds(fields, "eos_token_id", Bad) ?? [2];
        PadTokenId = OptionalTokenIds(fields, "pad_token_id", Bad)?[0];
        // Newer transformers write "dtype", older "torch_dtype".
        var dtypeKey = HasValue(fields, "dtype") ? "dtype" : "torch_dtype";
        if (OptionalString(fields, dtypeKey, Bad) is { } name)
            TorchDType = ModelDType.TryParse(name, out var dtype) ? dtype
                : throw Bad(dtypeKey, $"is \"{name}\", expected one of {ModelDType.Valid}");
    }

    /// <summary>Where the config came from (names it in messages).</summary>
    public string Path { get; }

    public int VocabSize { get; }
    public int HiddenSize { get; }
    public int IntermediateSize { get; }
    public int NumHiddenLayers { get; }
    public int NumAttentionHeads { get; }
    public int NumKeyValueHeads { get; }
    public int HeadDim { get; }
    public double RmsNormEps { get; }
    public double RopeTheta { get; }
    public int MaxPositionEmbeddings { get; }
    public double InitializerRange { get; }

    /// <summary>Keys further back than this many positions are not attended to; null for full causal attention.</summary>
    public int? SlidingWindow { get; }

    public bool TieWordEmbeddings { get; }
    public int BosTokenId { get; }

    /// <summary>One or more end-of-sequence ids (the field may be a number or a list).</summary>
    public IReadOnlyList<int> EosTokenIds { get; }

    public int? PadTokenId { get; }

    /// <summary>The checkpoint's declared dtype; null when the config does not say.</summary>
    public torch.ScalarType? TorchDType { get; }

    /// <summary>Query heads per key/value head (grouped-query attention).</summary>
    public int KeyValueGroups => NumAttentionHeads / NumKeyValueHeads;

    public static MistralConfig Load(string path)
    {
        return Parse(path, InputFile.ReadAllBytes(path));
    }

    /// <param name="path">Names the config in error messages.</param>
    /// <param name="utf8Json">The config file's bytes.</param>
    public static MistralConfig Parse(string path, ReadOnlySpan<byte> utf8Json)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(utf8Json.ToArray(), documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }); }
        catch (JsonException e) { throw BadInputException.At(path, $"invalid JSON ({JsonText.Describe(e)})", (int)(e.LineNumber ?? -1) + 1); }
        if (root is not JsonObject fields)
            throw BadInputException.At(path, "expected a JSON object");
        return new MistralConfig(path, fields);
    }

    /// <summary>A config for a fresh model, with the fields transformers writes for Mistral.</summary>
    public static MistralConfig Create(int vocabSize, int hiddenSize, int intermediateSize, int numHiddenLayers, int numAttentionHeads,
        int numKeyValueHeads, int? headDim = null, int? slidingWindow = null, bool tieWordEmbeddings = false, double ropeTheta = 10000,
        int maxPositionEmbeddings = 4096, int bosTokenId = 1, int eosTokenId = 2, string torchDType = "float32")
    {
        var fields = new JsonObject
        {
            ["architectures"] = new JsonArray("MistralForCausalLM"),
            ["attention_dropout"] = 0.0,
            ["bos_token_id"] = bosTokenId,
            ["eos_token_id"] = eosTokenId,
            ["head_dim"] = headDim,
            ["hidden_act"] = "silu",
            ["hidden_size"] = hiddenSize,
            ["initializer_range"] = 0.02,
            ["intermediate_size"] = intermediateSize,
            ["max_position_embeddings"] = maxPositionEmbeddings,
            ["model_type"] = "mistral",
            ["num_attention_heads"] = numAttentionHeads,
            ["num_hidden_layers"] = numHiddenLayers,
            ["num_key_value_heads"] = numKeyValueHeads,
            ["rms_norm_eps"] = 1e-5,
            ["rope_theta"] = ropeTheta,
            ["sliding_window"] = slidingWindow,
            ["tie_word_embeddings"] = tieWordEmbeddings,
            ["torch_dtype"] = torchDType,
            ["use_cache"] = true,
            ["vocab_size"] = vocabSize,
        };
        return new MistralConfig(FileName, fields);
    }

    /// <summary>A copy with one field set (null writes JSON null), validated again.</summary>
    public MistralConfig With(string key, JsonNode? value)
    {
        var fields = (JsonObject)_fields.DeepClone();
        fields[key] = value?.DeepClone();
        return new MistralConfig(Path, fields);
    }

    public byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(_fields, WriteOptions);

    public void Save(string path) => AtomicFile.WriteAllBytes(path, ToUtf8Json());

    private static bool HasValue(JsonObject fields, string key) => fields[key] is not null;

    private static JsonElement? Get(JsonObject fields, string key) =>
        fields[key] is { } node ? JsonSerializer.SerializeToElement(node) : null;

    private static int PositiveInt(JsonObject fields, string key, int fallback, Func<string, string, BadInputException> bad) =>
        Get(fields, key) is { } v
            ? v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) && n > 0 ? n : throw bad(key, $"is {JsonText.Found(v)}, expected a positive integer")
            : fallback;

    private static double PositiveNumber(JsonObject fields, string key, double fallback, Func<string, string, BadInputException> bad) =>
        Get(fields, key) is { } v
            ? v.ValueKind == JsonValueKind.Number && v.GetDouble() is var d && double.IsFinite(d) && d > 0 ? d : throw bad(key, $"is {JsonText.Found(v)}, expected a positive number")
            : fallback;

    private static bool? OptionalBool(JsonObject fields, string key, Func<string, string, BadInputException> bad) =>
        Get(fields, key) is { } v
            ? v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : throw bad(key, $"is {JsonText.Found(v)}, expected true or false")
            : null;

    private static string? OptionalString(JsonObject fields, string key, Func<string, string, BadInputException> bad) =>
        Get(fields, key) is { } v
            ? v.ValueKind == JsonValueKind.String ? v.GetString() : throw bad(key, $"is {JsonText.Found(v)}, expected a string")
            : null;

    private static int[]? OptionalTokenIds(JsonObject fields, string key, Func<string, string, BadInputException> bad)
    {
        if (Get(fields, key) is not { } v) return null;
        static bool Id(JsonElement e, out int id) { id = -1; return e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out id) && id >= 0; }
        if (Id(v, out var single)) return [single];
        if (v.ValueKind == JsonValueKind.Array && v.GetArrayLength() > 0)
            return v.EnumerateArray().Select(e => Id(e, out var id) ? id : throw bad(key, $"lists {JsonText.Found(e)}, expected token ids")).ToArray();
        throw bad(key, $"is {JsonText.Found(v)}, expected a token id or a non-empty list of them");
    }
}
