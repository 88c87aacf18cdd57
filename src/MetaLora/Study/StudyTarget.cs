using MetaLora.Reporting.Publish;

namespace MetaLora.Study;

/// <summary>The build-script targets that are not stage groups: publishing the results and cleaning up.</summary>
public sealed record StudyTarget(string Name, string Description)
{
    public static readonly StudyTarget Publish = new("Publish",
        "Bundle the tables, summary, figures and page with manifest.json (commit, arguments, versions, machine, stage hashes) -> " + PublishBundle.DefaultFolder + "/<bank>-<short commit>.tar.gz");
    public static readonly StudyTarget Clean = new("Clean",
        "Delete everything the pipeline wrote (never the bank, nor results/README.md)");

    /// <summary>Every target's name: the stage groups in order, then Publish and Clean.</summary>
    public static IReadOnlyList<string> Names => [.. StageGroup.All.Select(g => g.Name), Publish.Name, Clean.Name];
}
