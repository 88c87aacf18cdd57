using System.Text.Json;
using System.Text.RegularExpressions;
using MetaLora.Formats;

namespace MetaLora.Bank;

/// <summary>
/// A bank folder: <c>bank.json</c> describing the base model and the task list,
/// <c>datasets/&lt;task&gt;/</c> with each task's splits and <c>adapters/&lt;task&gt;/</c> with its adapter.
/// </summary>
internal sealed partial class BankInfo
{
    public const string FileName = "bank.json";

    private BankInfo(string directory, string name, string? baseModel, TokenizerSpec tokenizer, int vocabSize, IReadOnlyList<string> tasks,
        BankGeneration generation)
    {
        Directory = directory;
        Name = name;
        BaseModel = baseModel;
        Tokenizer = tokenizer;
        VocabSize = vocabSize;
        Tasks = tasks;
        Generation = generation;
    }

    /// <summary>The bank folder, as a full path.</summary>
    public string Directory { get; }
    public string Name { get; }
    /// <summary>The base model folder relative to the bank, if bank.json names one.</summary>
    public string? BaseModel { get; }
    public TokenizerSpec Tokenizer { get; }
    public int VocabSize { get; }
    public IReadOnlyList<string> Tasks { get; }

    /// <summary>How Infer generates on this bank by default (bank.json's "generation"; the paper's settings without it).</summary>
    public BankGeneration Generation { get; }

    /// <summary>The bank's bank.json.</summary>
    public string JsonPath => System.IO.Path.Combine(Directory, FileName);

    public string DatasetDir(string task) => System.IO.Path.Combine(Directory, "datasets", task);

    /// <summary>The task's PEFT adapter folder (the bank's fine-tuned adapter).</summary>
    public string AdapterDir(string task) => System.IO.Path.Combine(Directory, "adapters", task);

    /// <summary>The first <paramref name="limit"/> tasks in bank order; 0 (or more than there are) means all.</summary>
    public IReadOnlyList<string> Take(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return limit == 0 || limit >= Tasks.Count ? Tasks : Tasks.Take(limit).ToArray();
    }

    public static BankInfo Load(string bankDir)
    {
        var dir = System.IO.Path.GetFullPath(bankDir);
        if (!System.IO.Directory.Exists(dir)) throw BadInputException.At(bankDir, "bank folder does not exist");
        var path = System.IO.Path.Combine(dir, FileName);
        if (!File.Exists(path)) throw BadInputException.At(path, "missing (every bank folder has a bank.json)");

        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllBytes(path)); }
        catch (JsonException e)
        {
            throw BadInputException.At(path, $"invalid JSON ({JsonText.Describe(e)})", (int)(e.LineNumber ?? -1) + 1);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw BadInputException.At(path, "expected a JSON object");

            var name = RequiredString(path, root, "name");
            var baseModel = OptionalString(path, root, "base_model");
            var tokenizer = ReadTokenizer(path, root);

            var vocab = Required(path, root, "vocab_size");
            if (vocab.ValueKind != JsonValueKind.Number || !vocab.TryGetInt32(out var vocabSize))
                throw BadInputException.At(path, $"\"vocab_size\" must be an integer, found {JsonText.Found(vocab)}");
            if (vocabSize <= 1) throw BadInputException.At(path, $"\"vocab_size\" must be at least 2, found {vocabSize}");

            var tasks = ReadTasks(path, root);
            var generation = ReadGeneration(path, root);
            var bank = new BankInfo(dir, name, baseModel, tokenizer, vocabSize, tasks, generation);
            foreach (var task in tasks)
            {
                if (!System.IO.Directory.Exists(bank.DatasetDir(task)))
                    throw BadInputException.At(path, $"task \"{task}\" has no dataset folder {bank.DatasetDir(task)}");
            }
            return bank;
        }
    }

    private static TokenizerSpec ReadTokenizer(string path, JsonElement root)
    {
        var spec = Required(path, root, "tokenizer");
        if (spec.ValueKind != JsonValueKind.Object)
            throw BadInputException.At(path, $"\"tokenizer\" must be an object, found {JsonText.Found(spec)}");
        var kind = RequiredString(path, spec, "kind", "tokenizer.kind");
        return kind switch
        {
            TokenizerSpec.Tiktoken => new TokenizerSpec(kind, RequiredString(path, spec, "model", "tokenizer.model"), null),
            TokenizerSpec.SentencePiece => new TokenizerSpec(kind, null, RequiredString(path, spec, "path", "tokenizer.path")),
            TokenizerSpec.TiktokenCompact => new TokenizerSpec(kind, RequiredString(path, spec, "model", "tokenizer.model"),
                RequiredString(path, spec, "path", "tokenizer.path")),
            _ => throw BadInputException.At(path,
                $"unknown tokenizer kind \"{kind}\" (valid kinds: {string.Join(", ", TokenizerSpec.Kinds)})"),
        };
    }

    /// <summary>
    /// The optional "generation" object. A key this version does not know is an error rather than
    /// ignored: a misspelt or newer setting would otherwise be silently dropped and the bank generated
    /// otherwise than its author meant.
    /// </summary>
    private static BankGeneration ReadGeneration(string path, JsonElement root)
    {
        const string key = BankGeneration.Key;
        if (!root.TryGetProperty(key, out var spec) || spec.ValueKind == JsonValueKind.Null) return BankGeneration.Paper;
        if (spec.ValueKind != JsonValueKind.Object)
            throw BadInputException.At(path, $"\"{key}\" must be an object, found {JsonText.Found(spec)}");

        var generation = BankGeneration.Paper;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var field in spec.EnumerateObject())
        {
            var label = $"{key}.{field.Name}";
            if (!BankGeneration.Keys.Contains(field.Name, StringComparer.Ordinal))
                throw BadInputException.At(path, $"unknown key \"{label}\" (valid keys: {string.Join(", ", BankGeneration.Keys)})");
            if (!seen.Add(field.Name)) throw BadInputException.At(path, $"\"{label}\" is given twice");
            // Each key is optional (null too): what it leaves out keeps the paper's value.
            if (field.Value.ValueKind == JsonValueKind.Null) continue;
            generation = field.Name switch
            {
                BankGeneration.MaxNewTokensKey => generation with { MaxNewTokens = PositiveInt(path, field.Value, label) },
                _ => throw new InvalidOperationException($"{label} is a known key without a reader"),
            };
        }
        return generation;
    }

    private static string[] ReadTasks(string path, JsonElement root)
    {
        var list = Required(path, root, "tasks");
        if (list.ValueKind != JsonValueKind.Array)
            throw BadInputException.At(path, $"\"tasks\" must be a list of task names, found {JsonText.Found(list)}");
        if (list.GetArrayLength() == 0) throw BadInputException.At(path, "\"tasks\" is empty");

        var tasks = new List<string>();
        // Case-insensitive file systems would merge tasks that differ only in case.
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
                throw BadInputException.At(path, $"\"tasks\"[{tasks.Count}] must be a string, found {JsonText.Found(item)}");
            var task = item.GetString()!;
            if (!SafeName().IsMatch(task))
                throw BadInputException.At(path,
                    $"task name \"{task}\" is not a safe folder name (letters, digits, '.', '_', '-'; not starting with '.' or '-')");
            if (seen.TryGetValue(task, out var earlier))
                throw BadInputException.At(path, earlier == task
                    ? $"task \"{task}\" is listed twice"
                    : $"task \"{task}\" is listed twice (as \"{earlier}\"; names must differ beyond letter case)");
            seen.Add(task, task);
            tasks.Add(task);
        }
        return tasks.ToArray();
    }

    private static int PositiveInt(string path, JsonElement value, string label)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number))
            throw BadInputException.At(path, $"\"{label}\" must be an integer, found {JsonText.Found(value)}");
        return number >= 1 ? number : throw BadInputException.At(path, $"\"{label}\" must be at least 1, found {number}");
    }

    private static JsonElement Required(string path, JsonElement obj, string key, string? label = null) =>
        obj.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : throw BadInputException.At(path, $"missing \"{label ?? key}\"");

    private static string RequiredString(string path, JsonElement obj, string key, string? label = null)
    {
        var value = Required(path, obj, key, label);
        if (value.ValueKind != JsonValueKind.String)
            throw BadInputException.At(path, $"\"{label ?? key}\" must be a string, found {JsonText.Found(value)}");
        var text = value.GetString()!;
        if (text.Length == 0) throw BadInputException.At(path, $"\"{label ?? key}\" is empty");
        return text;
    }

    private static string? OptionalString(string path, JsonElement obj, string key) =>
        obj.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null
            ? RequiredString(path, obj, key)
            : null;

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9._-]{0,199}$")]
    private static partial Regex SafeName();
}
