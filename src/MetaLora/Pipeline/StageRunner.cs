using System.Diagnostics;

namespace MetaLora.Pipeline;

/// <summary>Why a stage must run, or that it need not.</summary>
public sealed record StageStatus(bool UpToDate, string Reason);

/// <summary>
/// Runs a stage instance only when it is out of date (DVC's <c>repro</c> for one stage): its
/// parameters changed, an input or implementation file changed (content hash, with a size+mtime
/// pre-check), or an output is missing or altered. After a successful run it records a manifest.
/// Early cut-off falls out of hashing: a dependant whose inputs were rewritten with the same bytes
/// finds the same hashes and stays up to date.
/// </summary>
public sealed class StageRunner(string manifestDir, TextWriter log)
{
    /// <summary>
    /// Hash of the running stage's implementation files and parameters. Verbs that resume per item
    /// mix it into their item keys, so items made by other code are redone and items made by this
    /// code are kept after an interrupted run. Empty when a verb runs outside a stage.
    /// </summary>
    public static string CurrentFingerprint { get; private set; } = "";

    public string ManifestPath(StageSpec spec) => Path.Combine(manifestDir, spec.ManifestFileName);

    public StageStatus Check(StageSpec spec)
    {
        var manifest = StageManifest.TryLoad(ManifestPath(spec));
        if (manifest is null) return new(false, "no record of a previous run");
        var status = Check(spec, manifest, out var refreshed);
        if (status.UpToDate && refreshed) manifest.Save(ManifestPath(spec));
        return status;
    }

    /// <summary>Runs <paramref name="action"/> (returning an exit code) unless the stage is up to date.</summary>
    public int Run(StageSpec spec, bool force, Func<int> action)
    {
        var path = ManifestPath(spec);
        var previous = StageManifest.TryLoad(path);
        var status = force ? new StageStatus(false, "forced") : Check(spec);
        if (status.UpToDate)
        {
            log.WriteLine($"{spec.Name}: up to date");
            return 0;
        }
        log.WriteLine($"{spec.Name}: running ({status.Reason})");

        // Inputs are stamped before the run: an edit made while it runs is seen by the next run.
        var deps = StampAll(spec.Name, spec.Deps, previous?.Deps);
        var code = StampAll(spec.Name, spec.Code, previous?.Code);
        if (File.Exists(path)) File.Delete(path); // an interrupted run must never look complete

        var watch = Stopwatch.StartNew();
        int exit;
        CurrentFingerprint = StageManifest.Fingerprint(code, spec.Params);
        try { exit = action(); }
        finally { CurrentFingerprint = ""; }
        if (exit != 0) return exit;

        foreach (var declared in spec.Outs.Where(o => !Glob.IsPattern(o)))
            if (!File.Exists(declared))
                throw new InvalidOperationException($"stage {spec.Name} finished without writing its declared output {declared}");

        var manifest = new StageManifest
        {
            Stage = spec.Name,
            ToolVersion = ToolVersion,
            Params = new(spec.Params.ToDictionary(), StringComparer.Ordinal),
            Deps = deps,
            Code = code,
            Outs = StampAll(spec.Name, spec.Outs, null),
            DurationSeconds = Math.Round(watch.Elapsed.TotalSeconds, 3),
        };
        manifest.Save(path);
        log.WriteLine($"{spec.Name}: done in {watch.Elapsed.TotalSeconds:0.0} s");
        return 0;
    }

    public static string ToolVersion { get; } =
        typeof(StageRunner).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    private static StageStatus Check(StageSpec spec, StageManifest manifest, out bool refreshed)
    {
        refreshed = false;
        var wanted = new SortedDictionary<string, string>(spec.Params.ToDictionary(), StringComparer.Ordinal);
        if (!wanted.SequenceEqual(manifest.Params))
            return new(false, "parameters changed");
        foreach (var (kind, patterns, recorded) in new[]
                 {
                     ("input", spec.Deps, manifest.Deps),
                     ("implementation", spec.Code, manifest.Code),
                     ("output", spec.Outs, manifest.Outs),
                 })
        {
            var files = ExpandAll(patterns);
            var added = files.FirstOrDefault(f => !recorded.ContainsKey(f));
            if (added is not null) return new(false, $"{kind} added: {added}");
            var removed = recorded.Keys.FirstOrDefault(f => !files.Contains(f));
            if (removed is not null) return new(false, $"{kind} missing: {removed}");
            foreach (var file in files)
            {
                var stamp = recorded[file];
                if (!stamp.Matches(file, out var current)) return new(false, $"{kind} changed: {file}");
                if (current != stamp) { recorded[file] = current; refreshed = true; }
            }
        }
        return new(true, "");
    }

    private static SortedSet<string> ExpandAll(IEnumerable<string> patterns)
    {
        var files = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var p in patterns) files.UnionWith(Glob.Expand(p));
        return files;
    }

    private static SortedDictionary<string, FileStamp> StampAll(string stage, IReadOnlyList<string> patterns, IReadOnlyDictionary<string, FileStamp>? previous)
    {
        foreach (var p in patterns.Where(p => !Glob.IsPattern(p)))
            if (!File.Exists(p))
                throw new BadInputException($"{p}: file not found (declared by stage {stage})");
        var stamps = new SortedDictionary<string, FileStamp>(StringComparer.Ordinal);
        foreach (var file in ExpandAll(patterns))
            stamps[file] = previous is not null && previous.TryGetValue(file, out var old) && old.Matches(file, out var current)
                ? current
                : FileStamp.Take(file);
        return stamps;
    }
}
