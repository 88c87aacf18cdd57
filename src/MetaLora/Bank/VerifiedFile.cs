using System.Text.Json.Serialization;
using MetaLora.Hub;
using MetaLora.IO;

namespace MetaLora.Bank;

/// <summary>A file found to hold <see cref="Identity"/>'s bytes when it had this metadata (see <see cref="FileMeta"/>).</summary>
internal sealed record VerifiedFile(
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("mtime")] long MtimeTicks,
    [property: JsonPropertyName("identity")] string Identity)
{
    // Absent from records written before they were kept: such a file is verified again once.
    [JsonPropertyName("ctime")] public long CtimeTicks { get; init; }
    [JsonPropertyName("inode")] public ulong Inode { get; init; }

    public static VerifiedFile Of(string path, HubFile file)
    {
        var meta = FileMeta.OfExisting(path);
        return new VerifiedFile(meta.Size, meta.MtimeTicks, file.Identity) { CtimeTicks = meta.CtimeTicks, Inode = meta.Inode };
    }

    public bool StillHolds(string path, HubFile file) =>
        Identity == file.Identity && new FileMeta(Size, MtimeTicks, CtimeTicks, Inode).Vouches(path);
}
