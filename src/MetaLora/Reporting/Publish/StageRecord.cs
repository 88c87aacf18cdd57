using System.Text.Json.Serialization;

namespace MetaLora.Reporting.Publish;

/// <summary>One stage run behind the results, from its manifest in &lt;data-dir&gt;/.stages/ (its code as a hash per source file, package and native library).</summary>
internal sealed record StageRecord(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("tool_version")] string ToolVersion,
    [property: JsonPropertyName("duration_seconds")] double DurationSeconds,
    [property: JsonPropertyName("params")] SortedDictionary<string, string> Params,
    [property: JsonPropertyName("deps")] SortedDictionary<string, FileHash> Deps,
    [property: JsonPropertyName("code")] SortedDictionary<string, string> Code,
    [property: JsonPropertyName("outs")] SortedDictionary<string, FileHash> Outs);
