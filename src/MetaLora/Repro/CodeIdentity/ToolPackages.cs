using System.Security.Cryptography;
using System.Text.Json;

namespace MetaLora.Repro.CodeIdentity;

/// <summary>
/// The NuGet packages the tool was built with and the native libraries they ship, read from the
/// build's <c>deps.json</c>. A stage's fingerprint names the packages its code calls into (with
/// their dependencies, where native libraries come from) by version, and each native library by
/// name, size and a hash of its head and tail (where ELF headers, build ids and section tables
/// live), which tells builds apart without reading half a gigabyte of libtorch on every check.
/// </summary>
internal sealed class ToolPackages
{
    private readonly string _directory;
    private readonly Dictionary<string, string> _packageOfAssembly = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string[]> _dependencies = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string[]> _natives = new(StringComparer.Ordinal);

    private ToolPackages(string directory) => _directory = directory;

    /// <summary>No packages known (code read from memory in tests): only the runtime is named.</summary>
    public static ToolPackages None { get; } = new("");

    /// <summary>Reads <c>lora.deps.json</c> (or the one deps file) in <paramref name="directory"/>.</summary>
    public static ToolPackages Load(string directory)
    {
        var file = Path.Combine(directory, "lora.deps.json");
        if (!File.Exists(file))
        {
            var candidates = Directory.GetFiles(directory, "*.deps.json");
            if (candidates.Length == 0) return None;
            file = candidates.Order(StringComparer.Ordinal).First();
        }
        var packages = new ToolPackages(directory);
        using var document = JsonDocument.Parse(File.ReadAllBytes(file));
        var libraries = document.RootElement.GetProperty("libraries");
        var target = document.RootElement.GetProperty("runtimeTarget").GetProperty("name").GetString()!;
        foreach (var entry in document.RootElement.GetProperty("targets").GetProperty(target).EnumerateObject())
        {
            var id = entry.Name; // Name/Version
            var isPackage = libraries.TryGetProperty(id, out var library) && library.GetProperty("type").GetString() == "package";
            if (!isPackage) continue;
            if (entry.Value.TryGetProperty("runtime", out var runtime))
                foreach (var asset in runtime.EnumerateObject())
                    packages._packageOfAssembly[Path.GetFileNameWithoutExtension(asset.Name)] = id;
            if (entry.Value.TryGetProperty("dependencies", out var dependencies))
                packages._dependencies[id] = dependencies.EnumerateObject().Select(d => $"{d.Name}/{d.Value.GetString()}").ToArray();
            if (entry.Value.TryGetProperty("native", out var native))
                packages._natives[id] = native.EnumerateObject().Select(n => n.Name).ToArray();
        }
        return packages;
    }

    /// <summary>
    /// Identity entries (label to value) for code that calls into <paramref name="assemblies"/>:
    /// <c>package:Name</c> = version for their packages and those packages' dependencies,
    /// <c>native:file</c> = size and head/tail hash for the native libraries of those packages, and
    /// <c>runtime</c> for anything else (the .NET runtime's own libraries).
    /// </summary>
    public SortedDictionary<string, string> Identify(IEnumerable<string> assemblies)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var pending = new Stack<string>();
        foreach (var assembly in assemblies)
        {
            if (_packageOfAssembly.TryGetValue(assembly, out var package)) pending.Push(package);
            else result["runtime"] = $".NET {Environment.Version}";
        }
        // A package that brings in a used one comes along with its other dependencies: TorchSharp-cpu
        // pairs TorchSharp's managed code with the native libtorch it calls.
        foreach (var used in pending.ToArray())
            foreach (var (parent, children) in _dependencies)
                if (children.Contains(used, StringComparer.Ordinal)) pending.Push(parent);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (pending.Count > 0)
        {
            var id = pending.Pop();
            if (!seen.Add(id)) continue;
            var slash = id.IndexOf('/');
            result[$"package:{id[..slash]}"] = id[(slash + 1)..];
            foreach (var native in _natives.GetValueOrDefault(id, []))
                result[$"native:{Path.GetFileName(native)}"] = NativeIdentity(native);
            foreach (var dependency in _dependencies.GetValueOrDefault(id, []))
                pending.Push(dependency);
        }
        return result;
    }

    private string NativeIdentity(string asset)
    {
        // A RID-specific build copies native assets flat into the output folder; a portable one keeps runtimes/.
        var flat = Path.Combine(_directory, Path.GetFileName(asset));
        var path = File.Exists(flat) ? flat : Path.Combine(_directory, asset);
        if (!File.Exists(path)) return "absent";
        const int Window = 64 * 1024;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var length = stream.Length;
        var buffer = new byte[(int)Math.Min(length, 2 * Window)];
        var head = (int)Math.Min(length, Window);
        stream.ReadExactly(buffer, 0, head);
        if (buffer.Length > head)
        {
            stream.Seek(length - (buffer.Length - head), SeekOrigin.Begin);
            stream.ReadExactly(buffer, head, buffer.Length - head);
        }
        return $"{length} bytes, head+tail sha256 {Convert.ToHexStringLower(SHA256.HashData(buffer))}";
    }
}
