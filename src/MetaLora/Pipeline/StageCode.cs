using MetaLora.Pipeline.CodeIdentity;

namespace MetaLora.Pipeline;

/// <summary>
/// The identity of the code each stage runs. For the tool's stages it is derived from the build
/// (<see cref="CodeFingerprint"/> of the stage's verb with the stage's parameters), read once per
/// process. A result is reused for every stage of the same verb whose parameters agree on those the
/// walk looked at (the fourteen Infer stages share one).
/// </summary>
public sealed class StageCode
{
    private readonly Func<StageSpec, (IReadOnlyDictionary<string, string> Identity, IReadOnlyCollection<string> Consulted)> _identify;
    private readonly Dictionary<string, List<(Dictionary<string, string?> Consulted, IReadOnlyDictionary<string, string> Identity)>> _known = new(StringComparer.Ordinal);

    /// <summary>A fixed identity per stage (stages that run no verb of the tool, and tests); every parameter counts.</summary>
    public StageCode(Func<StageSpec, IReadOnlyDictionary<string, string>> identify) =>
        _identify = spec => (identify(spec), spec.Params.Keys.ToArray());

    private StageCode(Func<StageSpec, (IReadOnlyDictionary<string, string>, IReadOnlyCollection<string>)> identify) => _identify = identify;

    /// <summary>Fingerprints from the tool's own assemblies in <paramref name="directory"/> (default: the running tool's).</summary>
    public static StageCode ForTool(string? directory = null)
    {
        var code = new Lazy<CodeBase>(() => CodeBase.Load(directory));
        return new StageCode(spec =>
        {
            if (spec.Verb.Length == 0) return (new SortedDictionary<string, string>(StringComparer.Ordinal), Array.Empty<string>());
            var identity = CodeFingerprint.Of(code.Value, spec.Verb, spec.Params, out var consulted);
            return (identity, consulted);
        });
    }

    public IReadOnlyDictionary<string, string> Of(StageSpec spec)
    {
        lock (_known)
        {
            if (!_known.TryGetValue(spec.Verb, out var entries)) _known[spec.Verb] = entries = [];
            foreach (var (consulted, identity) in entries)
                if (consulted.All(c => spec.Params.GetValueOrDefault(c.Key) == c.Value))
                    return identity;
            var (fresh, names) = _identify(spec);
            entries.Add((names.ToDictionary(n => n, n => spec.Params.GetValueOrDefault(n), StringComparer.Ordinal), fresh));
            return fresh;
        }
    }
}
