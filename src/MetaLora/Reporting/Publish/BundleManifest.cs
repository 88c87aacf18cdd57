using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using MetaLora.Formats;

namespace MetaLora.Reporting.Publish;

/// <summary>
/// manifest.json of a results bundle: what produced the numbers (commit, arguments, versions,
/// machine, the stages with their parameters, durations and input/output hashes) and the hash of
/// every other file in the bundle, which <see cref="BundleVerifier"/> checks. It holds no time of
/// its own: durations are those the stage manifests recorded when each stage last ran.
/// </summary>
internal sealed class BundleManifest
{
    public const string FileName = "manifest.json";
    public const string CurrentFormat = "metalora-results-bundle/1";

    [JsonPropertyName("format")] public string Format { get; init; } = CurrentFormat;
    [JsonPropertyName("name")] public string Name { get; init; } = "";
    [JsonPropertyName("bank")] public string Bank { get; init; } = "";
    [JsonPropertyName("git")] public GitInfo Git { get; init; } = GitInfo.None;
    [JsonPropertyName("arguments")] public SortedDictionary<string, string> Arguments { get; init; } = new(StringComparer.Ordinal);
    [JsonPropertyName("versions")] public ToolVersions? Versions { get; init; }
    [JsonPropertyName("machine")] public MachineInfo? Machine { get; init; }
    [JsonPropertyName("total_stage_seconds")] public double TotalStageSeconds { get; init; }
    [JsonPropertyName("stages")] public List<StageRecord> Stages { get; init; } = [];
    [JsonPropertyName("files")] public SortedDictionary<string, BundleFile> Files { get; init; } = new(StringComparer.Ordinal);

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        NewLine = "\n", // the same bytes on every OS
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // '+' in versions, not \u002B; never embedded in HTML
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public byte[] ToBytes() => [.. JsonSerializer.SerializeToUtf8Bytes(this, Options), (byte)'\n'];

    /// <summary>Parses manifest.json; <paramref name="path"/> names it in the error when it is not a bundle manifest.</summary>
    public static BundleManifest Parse(string path, byte[] bytes)
    {
        BundleManifest? manifest;
        try { manifest = JsonSerializer.Deserialize<BundleManifest>(bytes, Options); }
        catch (JsonException e) { throw BadInputException.At(path, $"invalid JSON ({JsonText.Describe(e)})"); }
        if (manifest is null || manifest.Format != CurrentFormat)
            throw BadInputException.At(path, $"not a results bundle manifest (expected \"format\": \"{CurrentFormat}\")");
        return manifest;
    }
}
