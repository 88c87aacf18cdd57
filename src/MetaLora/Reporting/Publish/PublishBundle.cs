using System.Security.Cryptography;
using MetaLora.IO;
using MetaLora.Layout;

namespace MetaLora.Reporting.Publish;

/// <summary>
/// The results bundle <c>&lt;out&gt;/&lt;bank&gt;-&lt;short commit&gt;.tar.gz</c>: the score tables,
/// summary.md/json, report.html and the figures, with a manifest.json of their provenance. The archive is
/// deterministic: the same results, stage manifests and environment give the same bytes.
/// </summary>
internal static class PublishBundle
{
    /// <summary>Where bundles go when no folder is named (the Publish target always uses it).</summary>
    public const string DefaultFolder = "artifacts";

    public static PublishResult Create(PublishRequest request)
    {
        var results = new ResultsLayout(request.ResultsDir);
        var files = Collect(results);
        var hashes = files.ToDictionary(f => f.Key, f => Convert.ToHexStringLower(SHA256.HashData(f.Value)), StringComparer.Ordinal);

        var stagesDir = new DataLayout(request.DataDir).StagesDir;
        var trace = StageProvenance.Of(stagesDir, hashes.Values);
        if (trace.Stages.Count == 0)
            throw BadInputException.At(stagesDir,
                $"no stage manifest records the results in {request.ResultsDir}; publish results that ./build.sh made with this --data-dir");

        var name = $"{FileNamePart(request.Bank)}-{request.Git.Short}";
        var manifest = new BundleManifest
        {
            Name = name,
            Bank = request.Bank,
            Git = request.Git,
            Arguments = new(request.Arguments.ToDictionary(), StringComparer.Ordinal),
            Versions = request.Versions,
            Machine = request.Machine,
            TotalStageSeconds = Math.Round(trace.Stages.Sum(s => s.DurationSeconds), 3),
            Stages = [.. trace.Stages],
            Files = new(files.ToDictionary(f => f.Key, f => new BundleFile(f.Value.Length, hashes[f.Key], trace.ProducerBySha256.GetValueOrDefault(hashes[f.Key]))),
                StringComparer.Ordinal),
        };
        files[BundleManifest.FileName] = manifest.ToBytes();

        // Entry times: SOURCE_DATE_EPOCH when set (the reproducible-builds convention), else the commit's time, else 1970.
        var mtime = DateTimeOffset.FromUnixTimeSeconds(request.SourceDateEpoch ?? request.Git.CommitTime ?? 0);
        var archive = DeterministicTarGz.Create(name, files, mtime);
        var path = Path.Combine(request.OutDir, name + ".tar.gz");
        AtomicFile.WriteAllBytes(path, archive);
        return new(path, Convert.ToHexStringLower(SHA256.HashData(archive)), manifest);
    }

    /// <summary>The published files by bundle path: tables, summaries, the page, figures. The generated outputs stay out (their hashes are in the stages).</summary>
    private static SortedDictionary<string, byte[]> Collect(ResultsLayout results)
    {
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var required in new[] { results.SummaryMarkdown, results.SummaryJson, results.ReportHtml })
        {
            if (!File.Exists(required)) throw BadInputException.At(required, "not found; run the Report target first (./build.sh --target=Report)");
            files[Path.GetFileName(required)] = File.ReadAllBytes(required);
        }
        var tables = Directory.Exists(results.TablesDir)
            ? Directory.GetFiles(results.TablesDir, "*_results.csv").Where(f => !f.Contains(AtomicFile.TempMarker, StringComparison.Ordinal)).ToArray()
            : [];
        if (tables.Length == 0) throw BadInputException.At(results.TablesDir, "no score tables (*_results.csv); run the Report target first (./build.sh --target=Report)");
        foreach (var table in tables) files[$"evaluation_outputs_results/{Path.GetFileName(table)}"] = File.ReadAllBytes(table);
        foreach (var plot in Directory.GetFiles(results.ResultsDir, "*.png").Where(f => !f.Contains(AtomicFile.TempMarker, StringComparison.Ordinal)))
            files[Path.GetFileName(plot)] = File.ReadAllBytes(plot);
        return files;
    }

    /// <summary>A bank name made safe for a file name ("lots-of-loras", "embedded-tiny", or a folder's name).</summary>
    public static string FileNamePart(string bank)
    {
        var safe = new string(bank.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-').ToArray()).Trim('-', '.');
        return safe.Length == 0 ? "bank" : safe;
    }
}
