using System.Text.Json;
using MetaLora.IO;

namespace MetaLora.Repro;

/// <summary>
/// Per-item progress inside a stage (one record per task): the key the item was made from and the
/// stamp of what it wrote. A killed stage reruns only the items without a valid record, and an
/// item whose inputs did not change is not redone when a sibling changed.
/// </summary>
internal sealed class ItemLedger(string dir)
{
    private sealed record Entry(string Key, FileStamp Output);

    public bool IsDone(string item, string key, string outputPath)
    {
        var path = RecordPath(item);
        if (!File.Exists(path)) return false;
        Entry? entry;
        try { entry = JsonSerializer.Deserialize<Entry>(File.ReadAllBytes(path)); }
        catch (JsonException) { return false; }
        if (entry is null || entry.Key != key || !entry.Output.Matches(outputPath, out var current)) return false;
        // Remember the confirmed times, so that the output is not read again next time.
        if (current != entry.Output) AtomicFile.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(entry with { Output = current }));
        return true;
    }

    public void MarkDone(string item, string key, string outputPath) =>
        AtomicFile.WriteAllBytes(RecordPath(item), JsonSerializer.SerializeToUtf8Bytes(new Entry(key, FileStamp.Take(outputPath))));

    public void Forget(string item)
    {
        if (File.Exists(RecordPath(item))) File.Delete(RecordPath(item));
    }

    private string RecordPath(string item) => Path.Combine(dir, item + ".json");
}
