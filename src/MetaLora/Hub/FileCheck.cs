using System.Security.Cryptography;
using System.Text;

namespace MetaLora.Hub;

/// <summary>
/// Checks a downloaded file against what the Hub lists for it: the size, and the LFS sha256 or, for
/// files kept in git itself, the git blob id (sha1 of "blob &lt;size&gt;\0" followed by the content).
/// </summary>
internal static class FileCheck
{
    /// <summary>Null when <paramref name="path"/> holds exactly <paramref name="expected"/>'s bytes, else what is wrong.</summary>
    public static string? Problem(string path, HubFile expected)
    {
        var length = new FileInfo(path).Length;
        if (length != expected.Size) return $"has {length} bytes, the Hub lists {expected.Size}";
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        if (expected.Sha256 is { } sha256)
        {
            var actual = Convert.ToHexStringLower(SHA256.HashData(stream));
            return actual == sha256 ? null : $"sha256 is {actual}, the Hub lists {sha256}";
        }
        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        sha1.AppendData(Encoding.ASCII.GetBytes($"blob {length}\0"));
        var buffer = new byte[1 << 20];
        int read;
        while ((read = stream.Read(buffer)) > 0) sha1.AppendData(buffer, 0, read);
        var oid = Convert.ToHexStringLower(sha1.GetHashAndReset());
        return oid == expected.GitOid ? null : $"git blob id is {oid}, the Hub lists {expected.GitOid}";
    }
}
