namespace MetaLora.Tests.Support;

/// <summary>
/// A copy of the repository's build inputs (scripts, sources, tool manifest) in a temp folder, so
/// tests can run the real build.sh and even edit a source file without touching the checkout.
/// </summary>
public sealed class RepoCopy : IDisposable
{
    private readonly TempDir _temp = new();

    public string Root => _temp.Path;

    public RepoCopy()
    {
        var source = FindRepoRoot();
        foreach (var file in Directory.EnumerateFiles(source))
        {
            var name = System.IO.Path.GetFileName(file);
            if (name.EndsWith(".sh") || name.EndsWith(".ps1") || name.EndsWith(".props") || name.EndsWith(".targets")
                || name.EndsWith(".sln") || name is "global.json" or "nuget.config" or "NuGet.Config")
                File.Copy(file, System.IO.Path.Combine(Root, name));
        }
        foreach (var dir in new[] { ".config", "build", "src" })
            CopyTree(System.IO.Path.Combine(source, dir), System.IO.Path.Combine(Root, dir));
    }

    public static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "MetaLora.sln")))
                return dir.FullName;
        throw new InvalidOperationException("repository root (MetaLora.sln) not found above " + AppContext.BaseDirectory);
    }

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
            File.Copy(file, System.IO.Path.Combine(to, System.IO.Path.GetFileName(file)));
        foreach (var dir in Directory.EnumerateDirectories(from))
        {
            var name = System.IO.Path.GetFileName(dir);
            if (name is "bin" or "obj") continue;
            CopyTree(dir, System.IO.Path.Combine(to, name));
        }
    }

    public ProcessResult BuildSh(params string[] args) =>
        ToolProcess.Run("bash", Root, ["build.sh", .. args], TimeSpan.FromMinutes(10));

    public void Dispose() => _temp.Dispose();
}
