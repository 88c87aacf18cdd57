using System.Text.Json.Serialization;

namespace MetaLora.Reporting.Publish;

/// <summary>A bundled file: its hash, and the stage whose recorded outputs include these exact bytes.</summary>
internal sealed record BundleFile(
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("produced_by")] string? ProducedBy);
