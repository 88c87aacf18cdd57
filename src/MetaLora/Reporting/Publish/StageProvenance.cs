using MetaLora.IO;
using MetaLora.Repro;


namespace MetaLora.Reporting.Publish;

/// <summary>
/// The stage runs behind a set of result files, traced through the stage manifests by content
/// hash: a stage counts when one of its recorded outputs has the bytes of a result or of an input
/// of a stage already counted. Hashes rather than paths, so "results/x" and "./results/x" agree and
/// a manifest left over from another configuration (another metric, an older run) is not picked up.
/// </summary>
internal static class StageProvenance
{
    public sealed record Trace(IReadOnlyList<StageRecord> Stages, IReadOnlyDictionary<string, string> ProducerBySha256);

    public static Trace Of(string stagesDir, IEnumerable<string> resultHashes)
    {
        var manifests = Directory.Exists(stagesDir)
            ? Directory.EnumerateFiles(stagesDir, "*.json").Order(StringComparer.Ordinal)
                .Select(StageManifest.TryLoad).OfType<StageManifest>().ToList()
            : [];
        var wanted = resultHashes.ToHashSet(StringComparer.Ordinal);
        var selected = new List<StageManifest>();
        for (var grew = true; grew;)
        {
            grew = false;
            foreach (var m in manifests.Where(m => !selected.Contains(m) && Linked(m.Outs).Any(wanted.Contains)))
            {
                selected.Add(m);
                wanted.UnionWith(Linked(m.Deps));
                grew = true;
            }
        }

        var producers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var m in selected.OrderBy(m => m.Stage, StringComparer.Ordinal))
            foreach (var sha in Linked(m.Outs))
                producers.TryAdd(sha, m.Stage);
        return new(InRunOrder(selected).Select(Record).ToList(), producers);
    }

    /// <summary>Hashes that link stages; empty files are skipped, as any two of them hash alike.</summary>
    private static IEnumerable<string> Linked(IReadOnlyDictionary<string, FileStamp> files) =>
        files.Values.Where(f => f.Size > 0).Select(f => f.Sha256);

    /// <summary>The pipeline's order (Bank, Tokenize, ... Report), then by name: stable and readable.</summary>

    private static IEnumerable<StageManifest> InRunOrder(List<StageManifest> stages) => stages
        .OrderBy(m => StageName.KindOf(m.Stage) is { } kind ? (int)kind : int.MaxValue)
        .ThenBy(m => m.Stage, StringComparer.Ordinal);

    private static StageRecord Record(StageManifest m) => new(
        m.Stage, m.ToolVersion, m.DurationSeconds,
        new SortedDictionary<string, string>(m.Params, StringComparer.Ordinal),
        Hashes(m.Deps), new SortedDictionary<string, string>(m.Code, StringComparer.Ordinal), Hashes(m.Outs));

    private static SortedDictionary<string, FileHash> Hashes(IReadOnlyDictionary<string, FileStamp> files) =>
        new(files.ToDictionary(f => f.Key, f => new FileHash(f.Value.Size, f.Value.Sha256)), StringComparer.Ordinal);
}
