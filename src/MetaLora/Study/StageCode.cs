using System.Security.Cryptography;
using System.Text.Json;
using MetaLora.IO;
using MetaLora.Repro.CodeIdentity;

namespace MetaLora.Study;

/// <summary>
/// The identity of the code each stage runs. For the tool's stages it is derived from the build
/// (<see cref="CodeFingerprint"/> of the stage's verb with the stage's parameters). A result is
/// reused for every stage of the same verb whose parameters agree on those the walk consulted (the
/// fourteen Infer stages share one), and remembered on disk per build of the tool (keyed by a hash of
/// its assemblies and deps file), so an unchanged rerun reads no IL. Packages and native libraries
/// are identified afresh each time, from the files beside the tool.
/// </summary>
internal sealed class StageCode
{
    private readonly Func<StageSpec, OwnCodeIdentity> _identify;
    private readonly Func<IReadOnlyCollection<string>, IReadOnlyDictionary<string, string>> _packages;
    private readonly string? _cacheFile;
    private readonly bool _writeCache;
    private readonly Dictionary<string, List<(OwnCodeIdentity Own, IReadOnlyDictionary<string, string> Full)>> _known = new(StringComparer.Ordinal);
    private bool _loaded;

    private StageCode(Func<StageSpec, OwnCodeIdentity> identify, Func<IReadOnlyCollection<string>, IReadOnlyDictionary<string, string>> packages, string? cacheFile, bool writeCache)
    {
        _identify = identify;
        _packages = packages;
        _cacheFile = cacheFile;
        _writeCache = writeCache;
    }

    /// <summary>A fixed identity per stage (stages that run no verb of the tool, and tests); every parameter counts.</summary>
    public StageCode(Func<StageSpec, IReadOnlyDictionary<string, string>> identify)
        : this(spec => new OwnCodeIdentity(new SortedDictionary<string, string>(identify(spec).ToDictionary(), StringComparer.Ordinal), [], spec.Params.Keys.ToArray()),
               _ => new Dictionary<string, string>(), null, false)
    {
    }

    /// <summary>Fingerprints from the tool's own assemblies in <paramref name="directory"/> (default: the running tool's).</summary>
    /// <param name="directory">The tool's folder.</param>
    /// <param name="cacheDirectory">Where to remember fingerprints between runs (e.g. <c>data/.stages/code</c>), or null.</param>
    /// <param name="writeCache">False to only read that cache (a status report writes nothing).</param>
    public static StageCode ForTool(string? directory = null, string? cacheDirectory = null, bool writeCache = true)
    {
        directory ??= AppContext.BaseDirectory;
        var code = new Lazy<CodeBase>(() => CodeBase.Load(directory));
        var packages = ToolPackages.Load(directory);
        var cacheFile = cacheDirectory is null ? null : Path.Combine(cacheDirectory, $"code-{BuildKey(directory)}.json");
        return new StageCode(
            spec => spec.Verb.Length == 0
                ? new OwnCodeIdentity(new SortedDictionary<string, string>(StringComparer.Ordinal), [], [])
                : CodeFingerprint.OwnCode(code.Value, spec.Verb, spec.Params),
            packages.Identify, cacheFile, writeCache);
    }

    public IReadOnlyDictionary<string, string> Of(StageSpec spec)
    {
        lock (_known)
        {
            LoadCache();
            if (!_known.TryGetValue(spec.Verb, out var entries)) _known[spec.Verb] = entries = [];
            foreach (var (own, full) in entries)
                if (own.Consulted.All(pair => pair == Pair(spec, pair[..pair.IndexOf('=')])))
                    return full;
            var fresh = _identify(spec);
            var identity = CodeFingerprint.With(fresh.Code, _packages(fresh.ExternalAssemblies));
            // Recorded with the consulted parameters' values: "metric=KL".
            var recorded = fresh with { Consulted = fresh.Consulted.Select(c => Pair(spec, c)).ToArray() };
            entries.Add((recorded, identity));
            SaveCache();
            return identity;
        }
    }

    /// <summary>A parameter and its value in the stage, <c>name=value</c> (a missing one as <c>name=\0</c>).</summary>
    private static string Pair(StageSpec spec, string name) => $"{name}={spec.Params.GetValueOrDefault(name) ?? "\0"}";

    /// <summary>A hash of the tool's build: its two assemblies and its deps file.</summary>
    private static string BuildKey(string directory)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var name in CodeBase.OwnAssemblyNames.Select(n => n + ".dll").Append("lora.deps.json"))
        {
            var path = Path.Combine(directory, name);
            if (File.Exists(path)) sha.AppendData(File.ReadAllBytes(path));
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset())[..32];
    }

    private void LoadCache()
    {
        if (_loaded) return;
        _loaded = true;
        if (_cacheFile is null || !File.Exists(_cacheFile)) return;
        try
        {
            var cached = JsonSerializer.Deserialize<Dictionary<string, OwnCodeIdentity[]>>(File.ReadAllBytes(_cacheFile));
            foreach (var (verb, list) in cached ?? [])
                _known[verb] = list.Select(own => (own, (IReadOnlyDictionary<string, string>)CodeFingerprint.With(own.Code, _packages(own.ExternalAssemblies)))).ToList();
        }
        catch (JsonException)
        {
            // A damaged cache only costs reading the IL again.
        }
    }

    private void SaveCache()
    {
        if (_cacheFile is null || !_writeCache) return;
        Directory.CreateDirectory(Path.GetDirectoryName(_cacheFile)!);
        foreach (var stale in Directory.GetFiles(Path.GetDirectoryName(_cacheFile)!, "code-*.json").Where(f => f != _cacheFile))
            File.Delete(stale);
        var all = _known.ToDictionary(k => k.Key, k => k.Value.Select(e => e.Own).ToArray());
        AtomicFile.WriteAllBytes(_cacheFile, JsonSerializer.SerializeToUtf8Bytes(all));
    }
}
