using Mono.Cecil;
using Mono.Cecil.Cil;

namespace MetaLora.Repro.CodeIdentity;

/// <summary>
/// The tool's own assemblies (the library and the <c>lora</c> tool), read with their IL and, where
/// present, their portable PDBs (for naming source files in reasons, never for hashing). Everything
/// else the code calls (the runtime, NuGet packages) is identified by version, not read.
/// </summary>
internal sealed class CodeBase : IDisposable
{
    /// <summary>The assemblies whose IL is fingerprinted: the library and the tool.</summary>
    public static readonly IReadOnlyList<string> OwnAssemblyNames = ["MetaLora", "lora"];

    private readonly Dictionary<string, AssemblyDefinition> _assemblies;
    private readonly Dictionary<string, MethodDefinition> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _variantDefaults = new(StringComparer.Ordinal);

    private readonly IAssemblyResolver _resolver;

    private CodeBase(Dictionary<string, AssemblyDefinition> assemblies, ToolPackages packages, IAssemblyResolver resolver)
    {
        _assemblies = assemblies;
        _resolver = resolver;
        Packages = packages;
        foreach (var assembly in assemblies.Values)
            foreach (var type in assembly.MainModule.GetTypes())
            {
                foreach (var attribute in type.CustomAttributes)
                    if (attribute.AttributeType.FullName == typeof(StageVariantAttribute).FullName
                        && attribute.Properties.Any(p => p.Name == nameof(StageVariantAttribute.IsDefault) && p.Argument.Value is true))
                    {
                        var parameter = (string)attribute.ConstructorArguments[0].Value;
                        var value = (string)attribute.ConstructorArguments[1].Value;
                        if (!_variantDefaults.TryAdd(parameter, value) && _variantDefaults[parameter] != value)
                            throw new InvalidOperationException($"two defaults for stage parameter '{parameter}': {_variantDefaults[parameter]} and {value}");
                    }
                foreach (var method in type.Methods)
                    foreach (var attribute in method.CustomAttributes)
                        if (attribute.AttributeType.FullName == typeof(StageEntryAttribute).FullName)
                        {
                            var verb = (string)attribute.ConstructorArguments[0].Value;
                            if (!_entries.TryAdd(verb, method))
                                throw new InvalidOperationException($"two entries for verb '{verb}': {_entries[verb].FullName} and {method.FullName}");
                        }
            }
    }

    private CanonicalNames? _names;

    /// <summary>Names for the own types that do not depend on what they are called (see <see cref="CanonicalNames"/>).</summary>
    public CanonicalNames Names => _names ??= CanonicalNames.Of(Modules);

    /// <summary>The packages and native libraries the tool ships (from its deps.json).</summary>
    public ToolPackages Packages { get; }

    /// <summary>The modules read, the library's and the tool's.</summary>
    public IEnumerable<ModuleDefinition> Modules => _assemblies.Values.Select(a => a.MainModule);

    /// <summary>
    /// Stage parameters with a default alternative (<see cref="StageVariantAttribute.IsDefault"/>) and
    /// that alternative's value: what a stage that does not name the parameter runs.
    /// </summary>
    public IReadOnlyDictionary<string, string> VariantDefaults => _variantDefaults;

    /// <summary>Verbs that have a <see cref="StageEntryAttribute"/>, with their entry methods.</summary>
    public IReadOnlyDictionary<string, MethodDefinition> Entries => _entries;

    /// <summary>The tool's assemblies from the folder they were built into (the running tool's own folder by default).</summary>
    public static CodeBase Load(string? directory = null)
    {
        directory ??= AppContext.BaseDirectory;
        var images = new Dictionary<string, (Stream Pe, Stream? Pdb)>(StringComparer.Ordinal);
        foreach (var name in OwnAssemblyNames)
        {
            var dll = Path.Combine(directory, name + ".dll");
            if (!File.Exists(dll))
                throw new BadInputException($"{dll}: not found; the code fingerprint needs the tool's assemblies beside each other");
            var pdb = Path.ChangeExtension(dll, ".pdb");
            images[name] = (new MemoryStream(File.ReadAllBytes(dll)), File.Exists(pdb) ? new MemoryStream(File.ReadAllBytes(pdb)) : null);
        }
        return FromImages(images, ToolPackages.Load(directory), directory);
    }

    /// <summary>The assemblies from in-memory images (name without extension to PE and optional PDB).</summary>
    /// <param name="images">The library's and the tool's PE images, with their PDBs where present.</param>
    /// <param name="packages">The packages the tool was built with.</param>
    /// <param name="referenceDirectory">Where the assemblies it references lie besides the runtime's own folder.</param>
    public static CodeBase FromImages(IReadOnlyDictionary<string, (Stream Pe, Stream? Pdb)> images, ToolPackages packages, string referenceDirectory)
    {
        var resolver = new OwnResolver(referenceDirectory);
        var assemblies = new Dictionary<string, AssemblyDefinition>(StringComparer.Ordinal);
        foreach (var (name, (pe, pdb)) in images)
        {
            var parameters = new ReaderParameters
            {
                AssemblyResolver = resolver,
                ReadingMode = ReadingMode.Deferred,
                ReadSymbols = pdb is not null,
                SymbolStream = pdb,
                SymbolReaderProvider = pdb is null ? null : new PortablePdbReaderProvider(),
            };
            assemblies[name] = AssemblyDefinition.ReadAssembly(pe, parameters);
        }
        resolver.Own = assemblies;
        return new CodeBase(assemblies, packages, resolver);
    }

    /// <summary>Whether <paramref name="type"/> is defined in one of the tool's assemblies.</summary>
    public bool IsOwn(TypeReference type)
    {
        while (type is TypeSpecification spec) type = spec.ElementType;
        if (type is GenericParameter) return false;
        return type.Scope switch
        {
            ModuleDefinition module => _assemblies.ContainsKey(module.Assembly.Name.Name),
            AssemblyNameReference reference => _assemblies.ContainsKey(reference.Name),
            _ => false,
        };
    }

    /// <summary>The assembly a reference points into, or null for generic parameters.</summary>
    public static string? AssemblyOf(TypeReference type)
    {
        while (type is TypeSpecification spec) type = spec.ElementType;
        return type.Scope switch
        {
            ModuleDefinition module => module.Assembly.Name.Name,
            AssemblyNameReference reference => reference.Name,
            _ => null,
        };
    }

    /// <summary>The bytes of an embedded resource of the tool's assemblies, by name, or null.</summary>
    public (string Assembly, byte[] Data)? Resource(string name)
    {
        foreach (var (assemblyName, assembly) in _assemblies)
            foreach (var resource in assembly.MainModule.Resources)
                if (resource is EmbeddedResource embedded && embedded.Name == name)
                    return (assemblyName, embedded.GetResourceData());
        return null;
    }

    public void Dispose()
    {
        foreach (var assembly in _assemblies.Values) assembly.Dispose();
        _resolver.Dispose();
    }

    /// <summary>
    /// The tool's own assemblies first. Others are read only where Cecil must look inside one: the
    /// underlying type of an enum in an attribute argument.
    /// </summary>
    private sealed class OwnResolver : IAssemblyResolver
    {
        private readonly DefaultAssemblyResolver _others = new();

        public OwnResolver(string referenceDirectory)
        {
            foreach (var directory in _others.GetSearchDirectories()) _others.RemoveSearchDirectory(directory);
            _others.AddSearchDirectory(referenceDirectory);
            _others.AddSearchDirectory(System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory());
        }

        public Dictionary<string, AssemblyDefinition> Own { get; set; } = [];

        public AssemblyDefinition Resolve(AssemblyNameReference name) =>
            Own.TryGetValue(name.Name, out var assembly) ? assembly : _others.Resolve(name);

        public AssemblyDefinition Resolve(AssemblyNameReference name, ReaderParameters parameters) => Resolve(name);

        public void Dispose() => _others.Dispose();
    }
}
