using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using MetaLora.IO;

namespace MetaLora.Formats;

/// <summary>
/// A PEFT LoRA <c>adapter_config.json</c>. Every field is kept verbatim (including ones this code does
/// not know), so a copy loses nothing; the fields the method needs are validated and typed, with
/// PEFT's defaults where absent. Written like PEFT writes it: keys sorted, two-space indent.
/// </summary>
public sealed class AdapterConfig
{
    public const string FileName = "adapter_config.json";
    public const string Lora = "LORA";
    private static readonly string[] Biases = ["none", "all", "lora_only"];

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        NewLine = "\n",
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly JsonObject _fields;

    private AdapterConfig(string path, JsonObject fields, JsonElement root)
    {
        Path = path;
        _fields = fields;
        BadInputException Bad(string key, string expected, JsonElement found) =>
            BadInputException.At(path, $"\"{key}\" is {JsonText.Found(found)}, expected {expected}");

        var peftType = Get(root, "peft_type");
        if (peftType is not { ValueKind: JsonValueKind.String } || peftType.Value.GetString() != Lora)
            throw peftType is { } found
                ? Bad("peft_type", "\"LORA\" (only LoRA adapters can be combined)", found)
                : BadInputException.At(path, "missing \"peft_type\" (a LoRA adapter has \"peft_type\": \"LORA\")");

        R = Get(root, "r") is { } r
            ? r.ValueKind == JsonValueKind.Number && r.TryGetInt32(out var rank) && rank > 0 ? rank : throw Bad("r", "a positive integer", r)
            : 8;
        LoraAlpha = Number(root, "lora_alpha", 8, Bad);
        LoraDropout = Number(root, "lora_dropout", 0, Bad);
        FanInFanOut = Boolean(root, "fan_in_fan_out", Bad);
        UseRsLora = Boolean(root, "use_rslora", Bad);
        UseDora = Boolean(root, "use_dora", Bad);
        LoraBias = Boolean(root, "lora_bias", Bad);
        BaseModelNameOrPath = OptionalString(root, "base_model_name_or_path", Bad);
        TaskType = OptionalString(root, "task_type", Bad);
        Bias = OptionalString(root, "bias", Bad) ?? "none";
        if (!Biases.Contains(Bias))
            throw BadInputException.At(path, $"\"bias\" is \"{Bias}\", expected one of {string.Join(", ", Biases.Select(b => $"\"{b}\""))}");

        TargetModules = Get(root, "target_modules") switch
        {
            null => null,
            { ValueKind: JsonValueKind.String } s => new LoraTargetModules(null, s.GetString()),
            { ValueKind: JsonValueKind.Array } list => new LoraTargetModules(Strings(list, "target_modules", Bad), null),
            { } other => throw Bad("target_modules", "a list of module names or a regular expression", other),
        };
        ModulesToSave = Get(root, "modules_to_save") switch
        {
            null => null,
            { ValueKind: JsonValueKind.Array } list => Strings(list, "modules_to_save", Bad),
            { } other => throw Bad("modules_to_save", "a list of module names", other),
        };
        RankPattern = Pattern(root, "rank_pattern", Bad, (key, v) =>
            v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) && n > 0 ? n : throw Bad($"rank_pattern.{key}", "a positive integer", v));
        AlphaPattern = Pattern(root, "alpha_pattern", Bad, (key, v) =>
            v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw Bad($"alpha_pattern.{key}", "a number", v));
    }

    /// <summary>Where the config came from (or will be written), for messages.</summary>
    public string Path { get; }

    public string PeftType => Lora;
    public int R { get; }
    public double LoraAlpha { get; }
    public double LoraDropout { get; }
    public bool FanInFanOut { get; }
    public bool UseRsLora { get; }
    public bool UseDora { get; }

    /// <summary>Whether lora_B has a bias of its own (<c>lora_B.bias</c> tensors).</summary>
    public bool LoraBias { get; }
    public string? BaseModelNameOrPath { get; }
    public string? TaskType { get; }

    /// <summary>"none", "all" or "lora_only".</summary>
    public string Bias { get; }

    /// <summary>Null when the config names none (PEFT then picks the model's defaults).</summary>
    public LoraTargetModules? TargetModules { get; }

    public IReadOnlyList<string>? ModulesToSave { get; }

    /// <summary>Per-module ranks overriding <see cref="R"/>; empty when absent, null or {}.</summary>
    public IReadOnlyDictionary<string, int> RankPattern { get; }

    /// <summary>Per-module alphas overriding <see cref="LoraAlpha"/>; empty when absent, null or {}.</summary>
    public IReadOnlyDictionary<string, double> AlphaPattern { get; }

    public bool HasRankPattern => RankPattern.Count > 0;
    public bool HasAlphaPattern => AlphaPattern.Count > 0;

    /// <summary>All field names, in the file's order.</summary>
    public IEnumerable<string> Keys => _fields.Select(kv => kv.Key);

    /// <summary>A field's JSON (a copy), or null when absent or null.</summary>
    public JsonNode? this[string key] => _fields[key]?.DeepClone();

    public static AdapterConfig Load(string path)
    {
        return Parse(path, InputFile.ReadAllBytes(path));
    }

    /// <param name="path">Names the config in error messages.</param>
    /// <param name="utf8Json">The config file's bytes.</param>
    public static AdapterConfig Parse(string path, ReadOnlySpan<byte> utf8Json)
    {
        var bytes = utf8Json.ToArray();
        JsonDocument doc;
        try { doc = JsonDocument.Parse(bytes, new JsonDocumentOptions { AllowDuplicateProperties = false }); }
        catch (JsonException e)
        {
            throw BadInputException.At(path, $"invalid JSON ({JsonText.Describe(e)})", (int)(e.LineNumber ?? -1) + 1);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw BadInputException.At(path, $"expected a JSON object, found {JsonText.Found(doc.RootElement)}");
            var fields = JsonNode.Parse(bytes)!.AsObject();
            return new AdapterConfig(path, fields, doc.RootElement);
        }
    }

    /// <summary>A fresh LoRA config with the fields PEFT needs to load it.</summary>
    public static AdapterConfig Create(string path, int r, double loraAlpha, IReadOnlyList<string> targetModules, string? baseModelNameOrPath = null, string? taskType = "CAUSAL_LM")
    {
        var fields = new JsonObject
        {
            ["alpha_pattern"] = new JsonObject(),
            ["base_model_name_or_path"] = baseModelNameOrPath,
            ["bias"] = "none",
            ["fan_in_fan_out"] = false,
            ["inference_mode"] = true,
            ["lora_alpha"] = loraAlpha,
            ["lora_dropout"] = 0.0,
            ["modules_to_save"] = null,
            ["peft_type"] = Lora,
            ["r"] = r,
            ["rank_pattern"] = new JsonObject(),
            ["target_modules"] = new JsonArray(targetModules.Select(m => (JsonNode?)m).ToArray()),
            ["task_type"] = taskType,
        };
        return Parse(path, Serialize(fields));
    }

    /// <summary>A copy with one field set (null writes JSON null); the result is validated again.</summary>
    public AdapterConfig With(string key, JsonNode? value)
    {
        var fields = (JsonObject)_fields.DeepClone();
        fields[key] = value?.DeepClone();
        return Parse(Path, Serialize(fields));
    }

    /// <summary>A copy that names <paramref name="path"/> in messages (e.g. where it will be saved).</summary>
    public AdapterConfig At(string path) => Parse(path, Serialize(_fields));

    /// <summary>PEFT's layout (json.dumps(indent=2, sort_keys=True)): the same config always gives the same bytes.</summary>
    public byte[] ToUtf8Json() => Serialize(_fields);

    public override string ToString() => Encoding.UTF8.GetString(ToUtf8Json());

    public void Save(string path) => AtomicFile.WriteAllBytes(path, ToUtf8Json());

    private static byte[] Serialize(JsonObject fields)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            WriteSorted(writer, fields);
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteSorted(Utf8JsonWriter writer, JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                writer.WriteStartObject();
                foreach (var (key, value) in obj.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(key);
                    WriteSorted(writer, value);
                }
                writer.WriteEndObject();
                break;
            case JsonArray array:
                writer.WriteStartArray();
                foreach (var item in array) WriteSorted(writer, item);
                writer.WriteEndArray();
                break;
            case null:
                writer.WriteNullValue();
                break;
            default:
                // Values keep their original text (e.g. 16 vs 16.0, 1e-05).
                node.WriteTo(writer);
                break;
        }
    }

    private static JsonElement? Get(JsonElement root, string key) =>
        root.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    private static double Number(JsonElement root, string key, double fallback, Func<string, string, JsonElement, BadInputException> bad) =>
        Get(root, key) is { } v
            ? v.ValueKind == JsonValueKind.Number && double.IsFinite(v.GetDouble()) ? v.GetDouble() : throw bad(key, "a number", v)
            : fallback;

    private static bool Boolean(JsonElement root, string key, Func<string, string, JsonElement, BadInputException> bad) =>
        Get(root, key) is { } v
            ? v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : throw bad(key, "true or false", v)
            : false;

    private static string? OptionalString(JsonElement root, string key, Func<string, string, JsonElement, BadInputException> bad) =>
        Get(root, key) is { } v
            ? v.ValueKind == JsonValueKind.String ? v.GetString() : throw bad(key, "a string", v)
            : null;

    private static string[] Strings(JsonElement list, string key, Func<string, string, JsonElement, BadInputException> bad) =>
        list.EnumerateArray()
            .Select((item, i) => item.ValueKind == JsonValueKind.String ? item.GetString()! : throw bad($"{key}[{i}]", "a string", item))
            .ToArray();

    private static Dictionary<string, T> Pattern<T>(JsonElement root, string key, Func<string, string, JsonElement, BadInputException> bad, Func<string, JsonElement, T> read)
    {
        var result = new Dictionary<string, T>(StringComparer.Ordinal);
        if (Get(root, key) is not { } v) return result;
        if (v.ValueKind != JsonValueKind.Object) throw bad(key, "an object mapping module names to values", v);
        foreach (var item in v.EnumerateObject()) result[item.Name] = read(item.Name, item.Value);
        return result;
    }
}
