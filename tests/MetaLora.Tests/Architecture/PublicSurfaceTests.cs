using System.Text.RegularExpressions;
using MetaLora.Tests.Support;
using Mono.Cecil;

namespace MetaLora.Tests.Architecture;

/// <summary>
/// The library's public types are the ones docs/ARCHITECTURE.md lists, no more and no fewer: what the
/// build script and a library user need. Everything else is internal, and the tool (an executable)
/// has no public type at all.
/// </summary>
public sealed class PublicSurfaceTests
{
    private static IReadOnlyList<string> Listed()
    {
        var doc = File.ReadAllText(Path.Combine(RepoCopy.FindRepoRoot(), "docs", "ARCHITECTURE.md"));
        var block = Regex.Match(doc, @"```public\n(.*?)```", RegexOptions.Singleline);
        Assert.True(block.Success, "docs/ARCHITECTURE.md has no ```public block");
        return block.Groups[1].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>Top-level types visible outside the assembly, written by hand.</summary>
    private static SortedSet<string> Public(string assembly)
    {
        using var module = ModuleDefinition.ReadModule(Path.Combine(AppContext.BaseDirectory, assembly));
        return new SortedSet<string>(module.Types.Where(t => t.IsPublic && NamespaceReferences.IsHandWritten(t)).Select(t => t.FullName), StringComparer.Ordinal);
    }

    [Fact]
    public void The_library_exposes_exactly_the_listed_types()
    {
        var listed = new SortedSet<string>(Listed(), StringComparer.Ordinal);
        var actual = Public("MetaLora.dll");
        Assert.True(listed.SetEquals(actual),
            $"public but not listed: {string.Join(", ", actual.Except(listed))}; listed but not public: {string.Join(", ", listed.Except(actual))}");
    }

    [Fact]
    public void The_tool_exposes_nothing() => Assert.Empty(Public("lora.dll"));
}
