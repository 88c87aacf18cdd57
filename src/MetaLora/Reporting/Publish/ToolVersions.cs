using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MetaLora.Reporting.Publish;

/// <summary>The software that produced a bundle: the tool, the .NET runtime, NuGet packages and the repository's dotnet tools.</summary>
internal sealed record ToolVersions(
    [property: JsonPropertyName("tool")] string Tool,
    [property: JsonPropertyName("runtime")] string Runtime,
    [property: JsonPropertyName("runtime_identifier")] string RuntimeIdentifier,
    [property: JsonPropertyName("packages")] SortedDictionary<string, string> Packages,
    [property: JsonPropertyName("dotnet_tools")] SortedDictionary<string, string> DotnetTools)
{
    /// <summary>
    /// Versions as resolved for the running process: packages from its .deps.json (the versions restored,
    /// transitive ones included), dotnet tools from <paramref name="repoDir"/>/.config/dotnet-tools.json.
    /// </summary>
    public static ToolVersions Current(string repoDir) => new(
        typeof(ToolVersions).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? typeof(ToolVersions).Assembly.GetName().Version?.ToString() ?? "0.0.0",
        RuntimeInformation.FrameworkDescription,
        RuntimeInformation.RuntimeIdentifier,
        ResolvedPackages(),
        RepositoryTools(Path.Combine(repoDir, ".config", "dotnet-tools.json")));

    private static SortedDictionary<string, string> ResolvedPackages()
    {
        var packages = new SortedDictionary<string, string>(StringComparer.Ordinal);
        // The host lists the app's deps files (';'-separated); failing that, the entry assembly's own.
        var files = (AppContext.GetData("APP_CONTEXT_DEPS_FILES") as string ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (files.Count == 0 && Assembly.GetEntryAssembly()?.GetName().Name is { } entry)
            files.Add(Path.Combine(AppContext.BaseDirectory, entry + ".deps.json"));
        foreach (var file in files.Where(File.Exists))
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(file));
            if (!doc.RootElement.TryGetProperty("libraries", out var libraries)) continue;
            foreach (var library in libraries.EnumerateObject())
            {
                if (!library.Value.TryGetProperty("type", out var type) || type.GetString() != "package") continue;
                var slash = library.Name.IndexOf('/');
                if (slash > 0) packages[library.Name[..slash]] = library.Name[(slash + 1)..];
            }
        }
        return packages;
    }

    private static SortedDictionary<string, string> RepositoryTools(string manifest)
    {
        var tools = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(manifest)) return tools;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(manifest));
            if (doc.RootElement.TryGetProperty("tools", out var entries))
                foreach (var tool in entries.EnumerateObject())
                    if (tool.Value.TryGetProperty("version", out var version))
                        tools[tool.Name] = version.GetString() ?? "";
        }
        catch (JsonException e)
        {
            throw BadInputException.At(manifest, $"invalid JSON ({e.Message})");
        }
        return tools;
    }
}
