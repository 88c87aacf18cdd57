using System.Security.Cryptography;
using System.Text.Json.Serialization;

namespace MetaLora.Pipeline;

/// <summary>
/// What a manifest remembers about one file: its content hash, plus size and modification time
/// so that an unchanged file is recognised without reading it (as git's index does).
/// </summary>
public sealed record FileStamp(
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("mtime")] long MtimeTicks,
    [property: JsonPropertyName("sha256")] string Sha256)
{
    public static FileStamp Take(string path)
    {
        var info = new FileInfo(path);
        return new FileStamp(info.Length, info.LastWriteTimeUtc.Ticks, Hash(path));
    }

    /// <summary>
    /// Whether <paramref name="path"/> still holds the recorded content. Size and mtime equal means
    /// unchanged without hashing; otherwise the content is hashed, and <paramref name="current"/>
    /// carries the fresh stamp (same hash, new mtime) so the caller can refresh its record.
    /// </summary>
    public bool Matches(string path, out FileStamp current)
    {
        var info = new FileInfo(path);
        if (!info.Exists) { current = this; return false; }
        if (info.Length == Size && info.LastWriteTimeUtc.Ticks == MtimeTicks) { current = this; return true; }
        current = new FileStamp(info.Length, info.LastWriteTimeUtc.Ticks, info.Length == Size ? Hash(path) : "");
        return current.Sha256 == Sha256;
    }

    public static string Hash(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
