using System.Diagnostics;
using MetaLora.IO;
using MetaLora.Repro;
using MetaLora.Repro.CodeIdentity;

namespace MetaLora.Study;

/// <summary>
/// Runs a stage instance only when it is out of date (DVC's <c>repro</c> for one stage): its command
/// or parameters changed, the code it can execute changed (see <see cref="StageCode"/>), an input
/// changed (content hash, with a size+mtime pre-check), or an output is missing or altered. After a
/// successful run it records a manifest. Early cut-off falls out of hashing: a dependant whose
/// inputs were rewritten with the same bytes finds the same hashes and stays up to date.
/// Paths in the manifest are recorded relative to the study's folders (<see cref="PortablePaths"/>),
/// so moving those folders keeps the stages up to date.
/// </summary>
internal sealed class StageRunner(string manifestDir, TextWriter log, StageCode code, PortablePaths? paths = null)
{
    private readonly PortablePaths _paths = paths ?? PortablePaths.None;

    public string ManifestPath(StageSpec spec) => Path.Combine(manifestDir, spec.ManifestFileName);

    /// <summary>Whether the stage is up to date. Refreshes recorded mtimes of files whose content is unchanged.</summary>
    public StageStatus Check(StageSpec spec) => Check(spec, refresh: true);

    /// <summary>As <see cref="Check(StageSpec)"/>, but writes nothing (for status reports).</summary>
    public StageStatus Status(StageSpec spec) => Check(spec, refresh: false);

    private StageStatus Check(StageSpec spec, bool refresh)
    {
        var manifest = StageManifest.TryLoad(ManifestPath(spec));
        if (manifest is null) return new(false, "no record of a previous run");
        var status = Check(spec, manifest, out var refreshed);
        if (refresh && status.UpToDate && refreshed) manifest.Save(ManifestPath(spec));
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
        var parameters = Portable(spec.Params);
        var identity = code.Of(spec);
        if (File.Exists(path)) File.Delete(path); // an interrupted run must never look complete

        var watch = Stopwatch.StartNew();
        var exit = RunningStage.Run(StageManifest.Fingerprint(identity, parameters), action);
        if (exit != 0) return exit;

        foreach (var declared in spec.Outs.Where(o => !Glob.IsPattern(o)))
            if (!File.Exists(declared))
                throw new InvalidOperationException($"stage {spec.Name} finished without writing its declared output {declared}");

        var manifest = new StageManifest
        {
            Stage = spec.Name,
            ToolVersion = ToolVersion,
            Command = [.. spec.Command.Select(_paths.ToPortable)],
            Params = parameters,
            Code = new(identity.ToDictionary(), StringComparer.Ordinal),
            Deps = deps,
            Outs = StampAll(spec.Name, spec.Outs, null),
            DurationSeconds = Math.Round(watch.Elapsed.TotalSeconds, 3),
            Machine = MathModes.Current,
        };
        manifest.Save(path);
        log.WriteLine($"{spec.Name}: done in {watch.Elapsed.TotalSeconds:0.0} s");
        return 0;
    }

    public static string ToolVersion { get; } =
        typeof(StageRunner).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    private StageStatus Check(StageSpec spec, StageManifest manifest, out bool refreshed)
    {
        refreshed = false;
        if (!spec.Command.Select(_paths.ToPortable).SequenceEqual(manifest.Command, StringComparer.Ordinal))
            return new(false, "command changed");
        var wanted = Portable(spec.Params);
        if (!wanted.SequenceEqual(manifest.Params))
        {
            var key = wanted.Keys.Union(manifest.Params.Keys).First(k => wanted.GetValueOrDefault(k) != manifest.Params.GetValueOrDefault(k));
            return new(false, $"parameter {key} changed: {manifest.Params.GetValueOrDefault(key) ?? "(none)"} -> {wanted.GetValueOrDefault(key) ?? "(none)"}");
        }
        var identity = code.Of(spec);
        if (CodeChange(identity, manifest.Code) is { } codeReason)
            return new(false, codeReason);
        // The same code, held by other files (a move, a split): record where it lives now.
        if (!identity.SequenceEqual(manifest.Code))
        {
            manifest.Code = new(identity.ToDictionary(), StringComparer.Ordinal);
            refreshed = true;
        }
        foreach (var (kind, patterns, recorded) in new[] { ("input", spec.Deps, manifest.Deps), ("output", spec.Outs, manifest.Outs) })
        {
            // Compared in the recorded (portable) form; stamps are checked on the files themselves.
            var files = ExpandAll(patterns).ToDictionary(_paths.ToPortable, f => f, StringComparer.Ordinal);
            var added = files.FirstOrDefault(f => !recorded.ContainsKey(f.Key)).Value;
            if (added is not null) return new(false, $"{kind} added: {added}");
            var removed = recorded.Keys.FirstOrDefault(f => !files.ContainsKey(f));
            if (removed is not null) return new(false, $"{kind} missing: {_paths.FromPortable(removed)}");
            foreach (var (key, file) in files)
            {
                var stamp = recorded[key];
                if (!stamp.Matches(file, out var current)) return new(false, $"{kind} changed: {file}");
                if (current != stamp) { recorded[key] = current; refreshed = true; }
            }
        }
        return new(true, "");
    }

    /// <summary>The first difference between the code a stage would run now and what it ran, or null.</summary>
    private static string? CodeChange(IReadOnlyDictionary<string, string> now, IReadOnlyDictionary<string, string> recorded)
    {
        // Decided by all the code, not by which file holds it; the files then say where it changed.
        if (CodeFingerprint.Deciding(now).SequenceEqual(CodeFingerprint.Deciding(recorded))) return null;
        foreach (var (label, hash) in now.Where(e => e.Key != CodeFingerprint.AllCode))
            if (!recorded.TryGetValue(label, out var old)) return $"code added: {label}";
            else if (old != hash) return $"code changed: {label}";
        foreach (var label in recorded.Keys)
            if (!now.ContainsKey(label)) return $"code removed: {label}";
        return "code changed";
    }

    private static SortedSet<string> ExpandAll(IEnumerable<string> patterns)
    {
        var files = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var p in patterns) files.UnionWith(Glob.Expand(p));
        return files;
    }

    private SortedDictionary<string, string> Portable(IReadOnlyDictionary<string, string> parameters) =>
        new(parameters.ToDictionary(p => p.Key, p => _paths.ToPortable(p.Value)), StringComparer.Ordinal);

    private SortedDictionary<string, FileStamp> StampAll(string stage, IReadOnlyList<string> patterns, IReadOnlyDictionary<string, FileStamp>? previous)
    {
        foreach (var p in patterns.Where(p => !Glob.IsPattern(p)))
            if (!File.Exists(p))
                throw new BadInputException($"{p}: file not found (declared by stage {stage})");
        var stamps = new SortedDictionary<string, FileStamp>(StringComparer.Ordinal);
        foreach (var file in ExpandAll(patterns))
        {
            var key = _paths.ToPortable(file);
            stamps[key] = FileStamp.Refresh(previous?.GetValueOrDefault(key), file);
        }
        return stamps;
    }
}
