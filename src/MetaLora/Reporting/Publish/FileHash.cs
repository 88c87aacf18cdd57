using System.Text.Json.Serialization;

namespace MetaLora.Reporting.Publish;

/// <summary>A file a stage read or wrote, as its manifest recorded it (without the mtime, which only says when).</summary>
internal sealed record FileHash(
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("sha256")] string Sha256);
