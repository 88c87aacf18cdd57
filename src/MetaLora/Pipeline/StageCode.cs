using MetaLora.Pipeline.CodeIdentity;

namespace MetaLora.Pipeline;

/// <summary>
/// The identity of the code each stage runs. For the tool's stages it is derived from the build
/// (<see cref="CodeFingerprint"/> of the stage's verb with the stage's parameters), read once per
/// process and remembered per verb and parameters.
/// </summary>
public sealed class StageCode(Func<StageSpec, IReadOnlyDictionary<string, string>> identify)
{
    private readonly Dictionary<string, IReadOnlyDictionary<string, string>> _known = new(StringComparer.Ordinal);

    /// <summary>Fingerprints from the tool's own assemblies in <paramref name="directory"/> (default: the running tool's).</summary>
    public static StageCode ForTool(string? directory = null)
    {
        var code = new Lazy<CodeBase>(() => CodeBase.Load(directory));
        return new StageCode(spec => spec.Verb.Length == 0
            ? new SortedDictionary<string, string>(StringComparer.Ordinal)
            : CodeFingerprint.Of(code.Value, spec.Verb, spec.Params));
    }

    public IReadOnlyDictionary<string, string> Of(StageSpec spec)
    {
        var key = spec.Verb + "\n" + string.Join('\n', spec.Params.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
        lock (_known)
        {
            if (!_known.TryGetValue(key, out var identity)) _known[key] = identity = identify(spec);
            return identity;
        }
    }
}
