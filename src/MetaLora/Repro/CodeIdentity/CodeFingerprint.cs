using System.Security.Cryptography;
using System.Text;
using Mono.Cecil;

namespace MetaLora.Repro.CodeIdentity;

/// <summary>
/// The identity of the code a stage runs: for each source file whose code it can execute, a hash of
/// that code (the canonical IL of the reachable methods and the shapes of the types they use, see
/// <see cref="MethodText"/>), plus the embedded resources it reads, the packages and native
/// libraries it calls into and the .NET runtime. Keys read as <c>src/MetaLora/Metrics/KL.cs</c>,
/// <c>resource:NAME</c>, <c>package:NAME</c>, <c>native:FILE</c> and <c>runtime</c>, so that a stage
/// out of date because of its code names the file that changed.
/// </summary>
internal static partial class CodeFingerprint
{
    public static SortedDictionary<string, string> Of(CodeBase code, string verb, IReadOnlyDictionary<string, string> parameters)
    {
        var own = OwnCode(code, verb, parameters);
        return With(own.Code, code.Packages.Identify(own.ExternalAssemblies));
    }

    /// <summary>The entries of both dictionaries (the tool's own code, then packages and natives).</summary>
    public static SortedDictionary<string, string> With(IReadOnlyDictionary<string, string> own, IReadOnlyDictionary<string, string> packages)
    {
        var result = new SortedDictionary<string, string>(own.ToDictionary(), StringComparer.Ordinal);
        foreach (var (label, identity) in packages) result[label] = identity;
        return result;
    }

    /// <summary>
    /// The part of a fingerprint read from the tool's own IL: a hash per source file and resource, the
    /// assemblies it calls into (whose packages are identified separately, as they are files beside the
    /// tool) and the parameters the walk consulted.
    /// </summary>
    /// <param name="code">The tool's assemblies.</param>
    /// <param name="verb">The verb whose entry method is the root.</param>
    /// <param name="parameters">The stage's parameters, which select alternatives.</param>
    public static OwnCodeIdentity OwnCode(CodeBase code, string verb, IReadOnlyDictionary<string, string> parameters)
    {
        var reach = Reach(code, verb, parameters);

        var texts = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string label, string text)
        {
            if (!texts.TryGetValue(label, out var list)) texts[label] = list = [];
            list.Add(text);
        }
        // Per file, the texts as compiled (they explain where a change is); for the decision, the same
        // texts with the own types named by their shapes (so that moves and renames decide nothing).
        var files = new SourceFiles();
        var names = code.Names;
        var all = new List<string>();
        foreach (var method in reach.Methods)
        {
            var text = MethodText.Of(method);
            Add(files.Of(method), text);
            all.Add(names.Apply(text));
        }
        foreach (var type in reach.Types)
            if (type.Name != "<PrivateImplementationDetails>") // its data blobs are hashed where code loads them
            {
                var text = MethodText.Shape(type);
                Add(files.Of(type), text);
                all.Add(names.Apply(text));
            }

        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (label, list) in texts)
        {
            list.Sort(StringComparer.Ordinal);
            result[label] = Hash(string.Join("\n\u0000\n", list));
        }
        // What decides: all of the code, whichever files hold it. The per-file hashes only explain a change.
        all.Sort(StringComparer.Ordinal);
        result[AllCode] = Hash(string.Join("\n\u0000\n", all));
        foreach (var literal in reach.Strings)
            if (code.Resource(literal) is { } resource)
                result[$"resource:{literal}"] = Convert.ToHexStringLower(SHA256.HashData(resource.Data));
        return new OwnCodeIdentity(result, reach.ExternalAssemblies.ToArray(), reach.ConsultedParameters.ToArray());
    }

    /// <summary>The reachable methods as <c>file: method</c> lines, sorted (to see why a stage depends on a file).</summary>
    public static IReadOnlyList<string> Methods(CodeBase code, string verb, IReadOnlyDictionary<string, string> parameters)
    {
        var files = new SourceFiles();
        return Reach(code, verb, parameters).Methods.Select(m => $"{files.Of(m)}: {m.FullName}").Order(StringComparer.Ordinal).ToArray();
    }

    private static Reachability Reach(CodeBase code, string verb, IReadOnlyDictionary<string, string> parameters)
    {
        if (!code.Entries.TryGetValue(verb, out var entry))
            throw new BadInputException($"no [StageEntry(\"{verb}\")] method in the tool; known verbs: {string.Join(", ", code.Entries.Keys.Order(StringComparer.Ordinal))}");
        return new Reachability(code, parameters).From(entry);
    }

    /// <summary>The key of the hash of all own code a stage can run, wherever it is written.</summary>
    public const string AllCode = "code:all";

    /// <summary>
    /// Whether an entry only says where code lives (a source file's share of the code): such entries
    /// explain a change but do not decide one, so that moving code between files changes nothing.
    /// Fingerprints made before <see cref="AllCode"/> existed have only such entries and decide by them.
    /// </summary>
    public static bool IsExplanation(string key, IReadOnlyDictionary<string, string> fingerprint) =>
        fingerprint.ContainsKey(AllCode) && key != AllCode && !key.StartsWith("package:", StringComparison.Ordinal)
        && !key.StartsWith("native:", StringComparison.Ordinal) && !key.StartsWith("resource:", StringComparison.Ordinal) && key != "runtime";

    /// <summary>The entries that decide whether code changed.</summary>
    public static SortedDictionary<string, string> Deciding(IReadOnlyDictionary<string, string> fingerprint) =>
        new(fingerprint.Where(e => !IsExplanation(e.Key, fingerprint)).ToDictionary(), StringComparer.Ordinal);

    /// <summary>One hash of a whole fingerprint's deciding entries (keys item records of stages that resume per item).</summary>
    public static string Combine(IReadOnlyDictionary<string, string> fingerprint) =>
        Hash(string.Join('\n', Deciding(fingerprint).Select(e => $"{e.Key}\t{e.Value}")));

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(FileLocalName().Replace(text, "F__"))));

    /// <summary>
    /// File-local types (source generators make them) are named after a hash of their file's path:
    /// the same code in a moved checkout would otherwise look changed.
    /// </summary>
    [System.Text.RegularExpressions.GeneratedRegex("F[0-9A-F]{64}__")]
    private static partial System.Text.RegularExpressions.Regex FileLocalName();

    /// <summary>
    /// The source file of compiled code, from the PDB's sequence points, as a path from the <c>src/</c>
    /// folder (so a moved checkout names the same files). Code without sequence points (compiler-made
    /// members, auto-properties) belongs to the file of its type; a type without any to its assembly.
    /// </summary>
    private sealed class SourceFiles
    {
        private readonly Dictionary<TypeDefinition, string> _types = [];

        public string Of(MethodDefinition method) => FileOf(method) ?? Of(method.DeclaringType);

        public string Of(TypeDefinition type)
        {
            if (_types.TryGetValue(type, out var known)) return known;
            var file = type.Methods.Select(FileOf).FirstOrDefault(f => f is not null)
                       ?? type.NestedTypes.SelectMany(n => n.Methods).Select(FileOf).FirstOrDefault(f => f is not null)
                       ?? (type.DeclaringType is { } outer ? Of(outer) : $"{type.Module.Assembly.Name.Name}.dll:{type.FullName}");
            return _types[type] = file;
        }

        private static string? FileOf(MethodDefinition method)
        {
            if (!method.DebugInformation.HasSequencePoints) return null;
            var url = method.DebugInformation.SequencePoints[0].Document.Url.Replace('\\', '/');
            // Generated sources live under obj/ (a configuration-specific path): name them by file.
            if (url.Contains("/obj/", StringComparison.Ordinal)) return "generated:" + Path.GetFileName(url);
            var src = url.LastIndexOf("/src/", StringComparison.Ordinal);
            return src >= 0 ? url[(src + 1)..] : Path.GetFileName(url);
        }
    }
}
