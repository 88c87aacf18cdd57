using System.Security.Cryptography;
using System.Text;
using Mono.Cecil;

namespace MetaLora.Pipeline.CodeIdentity;

/// <summary>
/// The identity of the code a stage runs: for each source file whose code it can execute, a hash of
/// that code (the canonical IL of the reachable methods and the shapes of the types they use, see
/// <see cref="MethodText"/>), plus the embedded resources it reads, the packages and native
/// libraries it calls into and the .NET runtime. Keys read as <c>src/MetaLora/Metrics/KL.cs</c>,
/// <c>resource:NAME</c>, <c>package:NAME</c>, <c>native:FILE</c> and <c>runtime</c>, so that a stage
/// out of date because of its code names the file that changed.
/// </summary>
public static partial class CodeFingerprint
{
    public static SortedDictionary<string, string> Of(CodeBase code, string verb, IReadOnlyDictionary<string, string> parameters) =>
        Of(code, verb, parameters, out _);

    /// <param name="code">The tool's assemblies.</param>
    /// <param name="verb">The verb whose entry method is the root.</param>
    /// <param name="parameters">The stage's parameters, which select alternatives.</param>
    /// <param name="consulted">The parameters the result depends on (see <see cref="Reachability.ConsultedParameters"/>).</param>
    public static SortedDictionary<string, string> Of(CodeBase code, string verb, IReadOnlyDictionary<string, string> parameters, out IReadOnlyCollection<string> consulted)
    {
        var reach = Reach(code, verb, parameters);
        consulted = reach.ConsultedParameters;

        var texts = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string label, string text)
        {
            if (!texts.TryGetValue(label, out var list)) texts[label] = list = [];
            list.Add(text);
        }
        var files = new SourceFiles();
        foreach (var method in reach.Methods) Add(files.Of(method), MethodText.Of(method));
        foreach (var type in reach.Types)
            if (type.Name != "<PrivateImplementationDetails>") // its data blobs are hashed where code loads them
                Add(files.Of(type), MethodText.Shape(type));

        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (label, list) in texts)
        {
            list.Sort(StringComparer.Ordinal);
            result[label] = Hash(string.Join("\n\u0000\n", list));
        }
        foreach (var literal in reach.Strings)
            if (code.Resource(literal) is { } resource)
                result[$"resource:{literal}"] = Convert.ToHexStringLower(SHA256.HashData(resource.Data));
        foreach (var (label, identity) in code.Packages.Identify(reach.ExternalAssemblies))
            result[label] = identity;
        return result;
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

    /// <summary>One hash of a whole fingerprint (keys item records of stages that resume per item).</summary>
    public static string Combine(IReadOnlyDictionary<string, string> fingerprint) =>
        Hash(string.Join('\n', fingerprint.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}\t{e.Value}")));

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
