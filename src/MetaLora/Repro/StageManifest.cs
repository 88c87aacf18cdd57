using System.Text.Json;
using System.Text.Json.Serialization;
using MetaLora.IO;
using MetaLora.Repro.CodeIdentity;

namespace MetaLora.Repro;

/// <summary>
/// The record a stage leaves after a successful run (DVC's lock entry): its command and parameters,
/// the identity of the code it ran (a hash per source file, package and native library) and the
/// stamps of every input and output file. A stage is up to date when all of them still hold.
/// </summary>
internal sealed class StageManifest
{
    [JsonPropertyName("stage")] public string Stage { get; set; } = "";
    [JsonPropertyName("tool_version")] public string ToolVersion { get; set; } = "";
    [JsonPropertyName("command")] public List<string> Command { get; set; } = [];
    [JsonPropertyName("params")] public SortedDictionary<string, string> Params { get; set; } = new(StringComparer.Ordinal);
    [JsonPropertyName("deps")] public SortedDictionary<string, FileStamp> Deps { get; set; } = new(StringComparer.Ordinal);
    [JsonPropertyName("code")] public SortedDictionary<string, string> Code { get; set; } = new(StringComparer.Ordinal);
    [JsonPropertyName("outs")] public SortedDictionary<string, FileStamp> Outs { get; set; } = new(StringComparer.Ordinal);
    [JsonPropertyName("duration_seconds")] public double DurationSeconds { get; set; }

    /// <summary>Where the stage ran and with which math code paths; a record, not part of the up-to-date check.</summary>
    [JsonPropertyName("machine")] public MathModes? Machine { get; set; }

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    /// <summary>The manifest at <paramref name="path"/>, or null when absent or unreadable (then the stage simply reruns).</summary>
    public static StageManifest? TryLoad(string path)
    {
        if (!File.Exists(path)) return null;
        try { return JsonSerializer.Deserialize<StageManifest>(File.ReadAllBytes(path), Options); }
        catch (JsonException) { return null; }
    }

    public void Save(string path) => AtomicFile.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(this, Options));

    /// <summary>Hash of the stage's code identity and parameters: keys per-item records so a code change redoes every item.</summary>
    public static string Fingerprint(IReadOnlyDictionary<string, string> code, IReadOnlyDictionary<string, string> parameters)
    {
        var text = string.Join('\n', CodeFingerprint.Deciding(code).Select(c => $"{c.Key}\t{c.Value}"))
                   + "\n--\n" + string.Join('\n', parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
    }
}
