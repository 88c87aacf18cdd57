using MetaLora.Pipeline;
using MetaLora.Pipeline.CodeIdentity;

namespace MetaLora.Tests.Pipeline;

/// <summary>Every distinct (verb, parameters) of the whole study's stages, and their code fingerprints from a build.</summary>
internal static class StageFingerprints
{
    /// <summary>The stages of the full embedded study (every combiner and baseline) and of a Lots-of-LoRAs fetch, one per distinct code identity key.</summary>
    public static IReadOnlyList<StageSpec> AllStages()
    {
        var embedded = new StageGraph(StudyOptions.FromCommandLine(["--target=Report", "--metric=all", "--model=all", "--combine=all", "--baseline=all"])).Stages;
        var fetched = new StageGraph(StudyOptions.FromCommandLine(["--target=Tokenize", "--bank=lots-of-loras"])).Group("Bank");
        return [.. embedded, .. fetched];
    }

    public static Dictionary<string, SortedDictionary<string, string>> Of(CodeBase code) =>
        AllStages().ToDictionary(s => s.Name, s => CodeFingerprint.Of(code, s.Verb, s.Params));
}
