using System.Text.Json.Serialization;

namespace MetaLora.Repro.CodeIdentity;

/// <summary>What a stage's verb runs of the tool's own code (see <see cref="CodeFingerprint.OwnCode"/>).</summary>
/// <param name="Code">A hash per source file and embedded resource.</param>
/// <param name="ExternalAssemblies">The assemblies outside the tool it calls into.</param>
/// <param name="Consulted">The stage parameters the result depends on.</param>
internal sealed record OwnCodeIdentity(
    [property: JsonPropertyName("code")] SortedDictionary<string, string> Code,
    [property: JsonPropertyName("external")] string[] ExternalAssemblies,
    [property: JsonPropertyName("consulted")] string[] Consulted);
