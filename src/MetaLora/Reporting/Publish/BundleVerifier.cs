using System.Security.Cryptography;
using MetaLora.IO;

namespace MetaLora.Reporting.Publish;

/// <summary>
/// Re-hashes a bundle, unpacked or still a .tar.gz, against its manifest.json: every listed file
/// must be present with its recorded size and SHA-256, and nothing unlisted may have been added.
/// Each problem is one line naming the file.
/// </summary>
internal static class BundleVerifier
{
    public sealed record Outcome(BundleManifest Manifest, int FilesChecked, IReadOnlyList<string> Problems)
    {
        public bool Ok => Problems.Count == 0;
    }

    /// <param name="bundle">A .tar.gz, the folder it unpacked to, or a folder holding only that folder.</param>
    public static Outcome Verify(string bundle)
    {
        if (File.Exists(bundle)) return Check(FromArchive(bundle));
        if (Directory.Exists(bundle)) return Check(FromDirectory(bundle));
        throw BadInputException.At(bundle, "not found (expected a .tar.gz bundle or the folder it unpacks to)");
    }

    /// <summary>The bundle's files by path relative to its root, each with a way to hash it, and how to name them in messages.</summary>
    private sealed record Contents(Dictionary<string, Func<(long Size, string Sha256)>> Files, Func<string, string> Display, Func<string, byte[]> Read);

    private static Contents FromArchive(string archive)
    {
        var entries = DeterministicTarGz.Read(archive);
        var roots = entries.Keys.Select(k => k.Split('/')[0]).Distinct().ToList();
        var root = roots.Count == 1 && entries.ContainsKey($"{roots[0]}/{BundleManifest.FileName}") ? roots[0]
            : throw BadInputException.At(archive, $"not a results bundle: expected one top folder holding {BundleManifest.FileName}");
        var files = entries.ToDictionary(e => e.Key[(root.Length + 1)..], e => (Func<(long, string)>)(() => (e.Value.Length, Hash(e.Value))));
        return new(files, rel => $"{archive}:{root}/{rel}", rel => entries[$"{root}/{rel}"]);
    }

    private static Contents FromDirectory(string dir)
    {
        var root = dir;
        if (!File.Exists(Path.Combine(root, BundleManifest.FileName)))
        {
            // tar -xzf into a folder leaves the bundle's own folder inside it.
            var inner = Directory.GetDirectories(dir);
            root = inner.Length == 1 && Directory.GetFiles(dir).Length == 0 && File.Exists(Path.Combine(inner[0], BundleManifest.FileName)) ? inner[0]
                : throw BadInputException.At(Path.Combine(dir, BundleManifest.FileName), "not found: not an unpacked results bundle");
        }
        var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).ToDictionary(
            f => Path.GetRelativePath(root, f).Replace('\\', '/'),
            f => (Func<(long, string)>)(() => (new FileInfo(f).Length, FileStamp.Hash(f))));
        return new(files, rel => Path.Combine(root, rel).Replace('\\', '/'), rel => File.ReadAllBytes(Path.Combine(root, rel)));
    }

    private static Outcome Check(Contents bundle)
    {
        var manifest = BundleManifest.Parse(bundle.Display(BundleManifest.FileName), bundle.Read(BundleManifest.FileName));
        var problems = new List<string>();
        foreach (var (path, expected) in manifest.Files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            if (!bundle.Files.TryGetValue(path, out var hash))
            {
                problems.Add($"{bundle.Display(path)}: missing (listed in {BundleManifest.FileName})");
                continue;
            }
            var (size, sha256) = hash();
            if (size != expected.Size || sha256 != expected.Sha256)
                problems.Add($"{bundle.Display(path)}: changed ({size} bytes, sha256 {sha256}; {BundleManifest.FileName} records {expected.Size} bytes, sha256 {expected.Sha256})");
        }
        foreach (var extra in bundle.Files.Keys.Where(k => k != BundleManifest.FileName && !manifest.Files.ContainsKey(k)).Order(StringComparer.Ordinal))
            problems.Add($"{bundle.Display(extra)}: not listed in {BundleManifest.FileName}");
        return new(manifest, manifest.Files.Count, problems);
    }

    private static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
