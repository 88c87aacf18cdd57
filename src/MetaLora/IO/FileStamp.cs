using System.Security.Cryptography;
using System.Text.Json.Serialization;

namespace MetaLora.IO;

/// <summary>
/// What a manifest remembers about one file: its content hash, plus the file system's metadata
/// (<see cref="FileMeta"/>) so that an unchanged file is recognised without reading it, as git's
/// index does. A stamp whose <see cref="CtimeTicks"/> is 0 is unconfirmed: the next check reads the
/// file. That is the case for stamps written before ctime was recorded, and for files changed so
/// shortly before they were hashed that a later change could carry the same times (git's "racy" files).
/// </summary>
internal sealed record FileStamp(
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("mtime")] long MtimeTicks,
    [property: JsonPropertyName("sha256")] string Sha256)
{
    [JsonPropertyName("ctime")] public long CtimeTicks { get; init; }
    [JsonPropertyName("inode")] public ulong Inode { get; init; }

    private FileMeta Recorded => new(Size, MtimeTicks, CtimeTicks, Inode);

    /// <summary>
    /// How recent a change must be for its times to prove nothing. Linux stamps files from a clock
    /// that moves every few milliseconds; the margin also covers a network file system's clock skew.
    /// </summary>
    private static readonly long s_racyTicks = TimeSpan.FromSeconds(2).Ticks;

    public static FileStamp Take(string path)
    {
        var startedAt = DateTime.UtcNow.Ticks;
        var before = FileMeta.OfExisting(path);
        return Confirmed(before, Hash(path), startedAt, FileMeta.Of(path));
    }

    /// <summary>
    /// The stamp of <paramref name="path"/> now: <paramref name="previous"/> when it still vouches for the
    /// file, else a fresh one. The file is read at most once.
    /// </summary>
    public static FileStamp Refresh(FileStamp? previous, string path)
    {
        if (previous is null) return Take(path);
        if (previous.Matches(path, out var current)) return current;
        // A same-sized file was hashed by the check; a different size or a missing file was not.
        return current != previous && current.Sha256.Length > 0 ? current : Take(path);
    }

    /// <summary>
    /// Whether <paramref name="path"/> still holds the recorded content. Equal metadata means unchanged
    /// without hashing; otherwise the content is hashed, and <paramref name="current"/> carries the
    /// fresh stamp (same hash, new times) so the caller can refresh its record.
    /// </summary>
    public bool Matches(string path, out FileStamp current)
    {
        var startedAt = DateTime.UtcNow.Ticks;
        if (FileMeta.Of(path) is not { } meta) { current = this; return false; }
        if (Recorded.Vouches(meta)) { current = this; return true; }
        if (meta.Size != Size)
        {
            current = new FileStamp(meta.Size, meta.MtimeTicks, "") { Inode = meta.Inode };
            return false;
        }
        current = Confirmed(meta, Hash(path), startedAt, FileMeta.Of(path));
        return current.Sha256 == Sha256;
    }

    /// <summary>
    /// The stamp of a file hashed between <paramref name="before"/> and <paramref name="after"/>; it
    /// trusts the times next time only if nothing moved while hashing and the last change is old enough.
    /// </summary>
    private static FileStamp Confirmed(FileMeta before, string sha256, long startedAt, FileMeta? after)
    {
        var settled = after == before && before.CtimeTicks != 0 && before.CtimeTicks < startedAt - s_racyTicks;
        return new FileStamp(before.Size, before.MtimeTicks, sha256) { CtimeTicks = settled ? before.CtimeTicks : 0, Inode = before.Inode };
    }

    public static string Hash(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
