using System.Text.Json;
using System.Text.Json.Serialization;
using MetaLora.Hub;
using MetaLora.IO;

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
