using System.Text.Json;
using MetaLora.IO;

namespace MetaLora.Repro;

/// <summary>
/// Content hashes of large files, remembered with their size and mtime in a small JSON file so that
/// an unchanged file is not read again (a base model can be many gigabytes). A stale or unreadable
/// cache only costs a re-hash.
/// </summary>
internal sealed class HashCache
{
    private readonly string _path;
    private readonly Dictionary<string, FileStamp> _stamps;
    private bool _dirty;

    public HashCache(string path)
    {
        _path = path;
        _stamps = Load(path);
    }

    public string Hash(string file)
    {
        var key = Path.GetFullPath(file);
        lock (_stamps)
        {
            var stamp = _stamps.GetValueOrDefault(key);
            var current = FileStamp.Refresh(stamp, file);
            if (current != stamp) { _stamps[key] = current; _dirty = true; }
            return current.Sha256;
        }
    }

    public void Save()
    {
        lock (_stamps)
        {
            if (!_dirty) return;
            AtomicFile.WriteAllBytes(_path, JsonSerializer.SerializeToUtf8Bytes(new SortedDictionary<string, FileStamp>(_stamps, StringComparer.Ordinal)));
            _dirty = false;
        }
    }

    private static Dictionary<string, FileStamp> Load(string path)
    {
        try
        {
            if (File.Exists(path) && JsonSerializer.Deserialize<Dictionary<string, FileStamp>>(File.ReadAllBytes(path)) is { } loaded)
                return new Dictionary<string, FileStamp>(loaded, StringComparer.Ordinal);
        }
        catch (JsonException) { }
        return new Dictionary<string, FileStamp>(StringComparer.Ordinal);
    }
}
