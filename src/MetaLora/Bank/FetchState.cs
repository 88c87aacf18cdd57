using System.Text.Json;
using System.Text.Json.Serialization;
using MetaLora.Hub;
using MetaLora.Pipeline;

namespace MetaLora.Bank;

/// <summary>
/// What a fetch remembers between runs, in <c>&lt;bank&gt;/.fetch/state.json</c>: the commit each repo
/// was pinned to, each (repo, commit)'s file listing (immutable, so a rerun needs no network), and the
/// metadata and identity of every file verified in place (so a rerun skips it without hashing).
/// </summary>
internal sealed class FetchState
{
    [JsonPropertyName("pins")] public SortedDictionary<string, string> Pins { get; init; } = new(StringComparer.Ordinal);

    [JsonPropertyName("listings")] public SortedDictionary<string, List<HubFile>> Listings { get; init; } = new(StringComparer.Ordinal);

    [JsonPropertyName("verified")] public SortedDictionary<string, VerifiedFile> Verified { get; init; } = new(StringComparer.Ordinal);

    public static string PathIn(string bankDir) => Path.Combine(bankDir, ".fetch", "state.json");

    public static string ListingKey(HubRepo repo, string commit) => $"{repo.Key}@{commit}";

    public static FetchState Load(string bankDir)
    {
        var path = PathIn(bankDir);
        if (!File.Exists(path)) return new FetchState();
        try
        {
            return JsonSerializer.Deserialize<FetchState>(File.ReadAllBytes(path)) ?? new FetchState();
        }
        catch (JsonException)
        {
            // Only a cache: a damaged one costs a re-listing and re-hashing, never wrong bytes.
            return new FetchState();
        }
    }

    public void Save(string bankDir) =>
        AtomicFile.WriteAllBytes(PathIn(bankDir), JsonSerializer.SerializeToUtf8Bytes(this, new JsonSerializerOptions { WriteIndented = true }));
}

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
        var meta = FileMeta.Of(path) ?? throw new FileNotFoundException($"{path}: file not found", path);
        return new VerifiedFile(meta.Size, meta.MtimeTicks, file.Identity) { CtimeTicks = meta.CtimeTicks, Inode = meta.Inode };
    }

    public bool StillHolds(string path, HubFile file) =>
        Identity == file.Identity && CtimeTicks != 0 && FileMeta.Of(path) == new FileMeta(Size, MtimeTicks, CtimeTicks, Inode);
}
