using System.Text.RegularExpressions;
using MetaLora.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Mono.Cecil;

namespace MetaLora.Tests.Architecture;

/// <summary>
/// The namespaces form layers without cycles: docs/ARCHITECTURE.md lists them from the bottom up, and a
/// type may name types of its own namespace and of the namespaces listed before it, nothing else. The
/// list is read from the document, so the document and the check cannot drift apart.
/// </summary>
public sealed class LayerTests
{
    private static readonly Lazy<IReadOnlyList<string>> Layers = new(ReadLayers);

    private static IReadOnlyList<string> ReadLayers()
    {
        var doc = File.ReadAllText(Path.Combine(RepoCopy.FindRepoRoot(), "docs", "ARCHITECTURE.md"));
        var block = Regex.Match(doc, @"```layers\n(.*?)```", RegexOptions.Singleline);
        Assert.True(block.Success, "docs/ARCHITECTURE.md has no ```layers block");
        return block.Groups[1].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>Every reference against the order, as "A.Type → B.Type (layer i → j)" lines.</summary>
    internal static IReadOnlyList<string> Violations(ModuleDefinition module, IReadOnlyList<string> layers, params string[] alsoTo)
    {
        var index = layers.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var ns in NamespaceReferences.Namespaces(module).Where(ns => !index.ContainsKey(ns)))
            problems.Add($"namespace {ns} ({module.Name}) is not in the layer list");
        foreach (var r in NamespaceReferences.Of(module, alsoTo))
        {
            if (!index.TryGetValue(r.FromNamespace, out var from) || !index.TryGetValue(r.ToNamespace, out var to))
            {
                if (index.ContainsKey(r.FromNamespace)) problems.Add($"{r.FromType} → {r.ToType}: namespace {r.ToNamespace} is not in the layer list");
                continue;
            }
            if (to > from) problems.Add($"{r.FromType} → {r.ToType} (layer {from} {r.FromNamespace} → layer {to} {r.ToNamespace})");
        }
        return problems;
    }

    private static ModuleDefinition Read(string assembly) =>
        ModuleDefinition.ReadModule(Path.Combine(AppContext.BaseDirectory, assembly), new ReaderParameters { AssemblyResolver = Resolver() });

    private static DefaultAssemblyResolver Resolver()
    {
        var resolver = new DefaultAssemblyResolver();
        resolver.AddSearchDirectory(AppContext.BaseDirectory);
        resolver.AddSearchDirectory(Path.GetDirectoryName(typeof(object).Assembly.Location)!);
        return resolver;
    }

    [Fact]
    public void The_library_and_the_tool_reference_only_their_own_and_lower_layers()
    {
        using var library = Read("MetaLora.dll");
        using var tool = Read("lora.dll");
        var problems = Violations(library, Layers.Value).Concat(Violations(tool, Layers.Value, "MetaLora")).ToList();
        var present = NamespaceReferences.Namespaces(library).Concat(NamespaceReferences.Namespaces(tool)).ToHashSet(StringComparer.Ordinal);
        problems.AddRange(Layers.Value.Where(l => !present.Contains(l)).Select(l => $"layer {l} has no type"));
        Assert.True(problems.Count == 0, $"{problems.Count} references against the layers of docs/ARCHITECTURE.md:\n{string.Join('\n', problems)}");
    }

    [Fact]
    public void The_layer_list_names_each_namespace_once_and_the_library_before_the_tool()
    {
        var layers = Layers.Value;
        Assert.Equal(layers.Count, layers.Distinct(StringComparer.Ordinal).Count());
        var lastLibrary = layers.Select((l, i) => (l, i)).Last(p => !p.l.StartsWith("MetaLora.Cli", StringComparison.Ordinal) && p.l != "(global)").i;
        var firstTool = layers.Select((l, i) => (l, i)).First(p => p.l.StartsWith("MetaLora.Cli", StringComparison.Ordinal)).i;
        Assert.True(lastLibrary < firstTool, "the tool's namespaces come after the library's");
    }

    [Fact]
    public void The_check_finds_an_upward_reference_in_a_compiled_assembly()
    {
        const string source = """
            namespace L.Low { public static class A { public static int F() => new L.High.B().G(); public static int H() => 2; } }
            namespace L.High { public class B { public int G() => L.Low.A.H(); } }
            namespace L.Side { public sealed class C { public L.High.B[]? Field; } }
            """;
        var compilation = CSharpCompilation.Create("Layered", [CSharpSyntaxTree.ParseText(source)],
            [MetadataReference.CreateFromFile(typeof(object).Assembly.Location)],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        Assert.True(emitted.Success, string.Join('\n', emitted.Diagnostics));
        image.Position = 0;
        using var module = ModuleDefinition.ReadModule(image);

        Assert.Equal(["L.Low.A → L.High.B (layer 0 L.Low → layer 1 L.High)"], Violations(module, ["L.Low", "L.High", "L.Side"]));
        Assert.Equal(["L.Low.A → L.High.B (layer 0 L.Low → layer 2 L.High)", "L.Side.C → L.High.B (layer 1 L.Side → layer 2 L.High)"],
            Violations(module, ["L.Low", "L.Side", "L.High"]));
        Assert.Equal(["namespace L.Side (Layered.dll) is not in the layer list", "L.Low.A → L.High.B (layer 0 L.Low → layer 1 L.High)"],
            Violations(module, ["L.Low", "L.High"]));
    }
}
