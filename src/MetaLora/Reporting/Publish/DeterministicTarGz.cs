using System.Formats.Tar;
using System.IO.Compression;

namespace MetaLora.Reporting.Publish;

/// <summary>
/// A .tar.gz whose bytes depend only on the entries' names and contents and one timestamp: entries
/// sorted by name, ustar headers (no pax records, which would carry access and change times), owner
/// 0:0 without user or group names, fixed modes, every mtime the given one. GZipStream writes no
/// name or time into its header; its OS byte, which depends on the platform, is set to 255 ("unknown").
/// </summary>
internal static class DeterministicTarGz
{
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode DirectoryMode = FileMode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    /// <summary>The archive: <paramref name="files"/> (relative '/'-separated path → bytes) under the folder <paramref name="root"/>.</summary>
    public static byte[] Create(string root, IReadOnlyDictionary<string, byte[]> files, DateTimeOffset mtime)
    {
        // Every folder on the way to a file gets its own entry, so extracting gives sane permissions.
        var entries = new SortedDictionary<string, byte[]?>(StringComparer.Ordinal) { [root + "/"] = null };
        foreach (var (path, bytes) in files)
        {
            var parts = path.Split('/');
            for (var i = 1; i < parts.Length; i++) entries[$"{root}/{string.Join('/', parts[..i])}/"] = null;
            entries[$"{root}/{path}"] = bytes;
        }

        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Ustar, leaveOpen: true))
            foreach (var (name, bytes) in entries)
            {
                var entry = new UstarTarEntry(bytes is null ? TarEntryType.Directory : TarEntryType.RegularFile, name)
                {
                    ModificationTime = mtime,
                    Mode = bytes is null ? DirectoryMode : FileMode,
                    Uid = 0,
                    Gid = 0,
                    UserName = "",
                    GroupName = "",
                };
                if (bytes is not null) entry.DataStream = new MemoryStream(bytes, writable: false);
                writer.WriteEntry(entry);
            }

        using var gz = new MemoryStream();
        using (var zip = new GZipStream(gz, CompressionLevel.Optimal, leaveOpen: true))
            zip.Write(tar.GetBuffer(), 0, (int)tar.Length);
        var result = gz.ToArray();
        result[9] = 255; // RFC 1952 OS field: unknown (not covered by any checksum)
        return result;
    }

    /// <summary>The regular files of an archive written by <see cref="Create"/> (or any .tar.gz), by entry name.</summary>
    public static SortedDictionary<string, byte[]> Read(string path)
    {
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        try
        {
            using var stream = File.OpenRead(path);
            using var zip = new GZipStream(stream, CompressionMode.Decompress);
            using var reader = new TarReader(zip);
            while (reader.GetNextEntry() is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
                using var bytes = new MemoryStream();
                entry.DataStream?.CopyTo(bytes);
                files[entry.Name] = bytes.ToArray();
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw BadInputException.At(path, $"not a readable .tar.gz ({e.Message})");
        }
        return files;
    }
}
