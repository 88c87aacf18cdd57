using MetaLora.Repro.CodeIdentity;
using MetaLora.Study;


namespace MetaLora.Tests.Repro.CodeIdentity;

/// <summary>Every distinct (verb, parameters) of the whole study's stages, and their code fingerprints from a build.</summary>
internal static class StageFingerprints
{
    /// <summary>
    /// The stages of the full embedded study (every combiner and baseline), one mlp_version
    /// Coefficients stage with the dense engine (named <c>Coefficients.KL.mlp_version.dense</c>; the
    /// study runs the sweep by default), the stages of a Lots-of-LoRAs fetch and of Infer on a server:
    /// one per distinct code identity key.
    /// </summary>
    public static IReadOnlyList<StageSpec> AllStages()
    {
        var embedded = new StageGraph(StudyOptions.FromCommandLine(["--target=Report", "--metric=all", "--model=all", "--combine=all", "--baseline=all"])).Stages;
        var dense = new StageGraph(StudyOptions.FromCommandLine(["--target=Predict", "--metric=KL", "--model=mlp_version", "--mlp-engine=dense"]))
            .Stages.Single(s => s.Name == "Coefficients.KL.mlp_version");
        var fetched = new StageGraph(StudyOptions.FromCommandLine(["--target=Tokenize", "--bank=lots-of-loras"])).Group("Bank");
        // Infer on a server: another engine, so other code (named apart from the local Infer stages).
        var served = new StageGraph(StudyOptions.FromCommandLine(["--target=Infer", "--engine=openai", "--endpoint=http://localhost:8000"]))
            .Group("Infer").Where(s => s.Name is "Infer.base" or "Infer.finetuned").Select(s => s with { Name = s.Name + "@openai" });
        return [.. embedded, dense with { Name = dense.Name + ".dense" }, .. fetched, .. served];
    }

    public static Dictionary<string, SortedDictionary<string, string>> Of(CodeBase code) =>
        AllStages().ToDictionary(s => s.Name, s => CodeFingerprint.Of(code, s.Verb, s.Params));
}
