using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Mono.Cecil;

namespace MetaLora.Repro.CodeIdentity;

/// <summary>
/// Names for the tool's own types that come from what the types are, not what they are called or
/// where they live: a type's name in a method's text is replaced by an id, the hash of its shape
/// (fields, properties, attributes, base type, interfaces, member signatures and nested type names)
/// with every own type's name in it written as one neutral token. Moving a type to another namespace
/// or renaming it therefore leaves every text the same, and a change to one type's shape changes the
/// texts that name that type and no other (the ids are not refined through the types a shape names,
/// which would spread a change to every type that merely mentions it). Types whose shapes are alike
/// to the last member name are interchangeable in the texts.
/// </summary>
internal sealed class CanonicalNames
{
    /// <summary>
    /// Own types are those of the tool's namespaces, the compiler's numbered ones (anonymous types,
    /// collection types), whose numbers follow the order files are compiled in, and the regex source
    /// generator's, whose names hold a hash of the source file's path.
    /// </summary>
    private static readonly string[] OwnPrefixes = ["MetaLora.", "<>", "System.Text.RegularExpressions.Generated."];

    private static bool IsOwn(TypeDefinition type) =>
        OwnPrefixes.Any(prefix => type.FullName.StartsWith(prefix, StringComparison.Ordinal));

    private readonly Regex _names;
    private readonly Dictionary<string, string> _ids;

    private CanonicalNames(Regex names, Dictionary<string, string> ids)
    {
        _names = names;
        _ids = ids;
    }

    public static CanonicalNames Of(IEnumerable<ModuleDefinition> modules)
    {
        var types = modules.SelectMany(m => m.GetTypes()).Where(IsOwn)
            .OrderBy(t => t.FullName, StringComparer.Ordinal).ToArray();
        // Longest first, so that "A.B/C" is taken whole before "A.B"; a name ends where an identifier cannot go on.
        var alternatives = string.Join('|', types.Select(t => t.FullName).Distinct(StringComparer.Ordinal).OrderByDescending(n => n.Length).ThenBy(n => n, StringComparer.Ordinal).Select(Regex.Escape));
        var names = new Regex($"(?<![\\w.`/])(?:{alternatives})(?![\\w`])", RegexOptions.CultureInvariant);

        // Both assemblies can hold a compiler-made type of the same name: one id for the name, from all its shapes.
        var shapes = types.GroupBy(t => t.FullName, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => string.Join("\n--\n", g.Select(t => Structure(t, names)).Order(StringComparer.Ordinal)), StringComparer.Ordinal);
        var ids = shapes.ToDictionary(s => s.Key, s => "T" + Hash(s.Value), StringComparer.Ordinal);
        return new CanonicalNames(names, ids);
    }

    /// <summary>The text with every own type's name replaced by its id.</summary>
    public string Apply(string text) => _names.Replace(text, m => _ids[m.Value]);

    /// <summary>
    /// What a type is without its code: <see cref="MethodText.Shape"/> and every member's signature, with
    /// own type names masked before the members are sorted (so that their order does not follow names).
    /// </summary>
    private static string Structure(TypeDefinition type, Regex names)
    {
        var sb = new StringBuilder(names.Replace(MethodText.Shape(type), "T"));
        foreach (var method in type.Methods.Select(m => names.Replace($"method {m.FullName} attrs={(int)m.Attributes}", "T")).Order(StringComparer.Ordinal))
            sb.Append(method).Append('\n');
        foreach (var nested in type.NestedTypes.Select(n => names.Replace(n.Name, "T")).Order(StringComparer.Ordinal))
            sb.Append("nested ").Append(nested).Append('\n');
        return sb.ToString();
    }

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
}
