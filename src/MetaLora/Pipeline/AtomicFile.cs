using System.Text;

namespace MetaLora.Pipeline;

/// <summary>
/// Writes a file so that readers see either the old content or the complete new content:
/// the bytes go to a temporary file in the same folder (same file system, so the final rename
/// is atomic), are flushed to disk, then renamed over the target.
/// </summary>
public static class AtomicFile
{
    /// <summary>Temporary files carry this marker so that a killed run's leftovers are recognisable.</summary>
    public const string TempMarker = ".partial-";

    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{Path.GetFileName(full)}{TempMarker}{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, s => s.Write(copy));
    }

    public static void WriteAllText(string path, string text) =>
        WriteAllBytes(path, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text));

    /// <summary>Removes temporary files a killed writer left in <paramref name="dir"/>.</summary>
    public static void RemoveLeftovers(string dir)
    {
        if (!Directory.Exists(dir)) return;
        foreach (var f in Directory.EnumerateFiles(dir, "*" + TempMarker + "*"))
            TryDelete(f);
    }

    /// <summary>
    /// Removes temporary files a killed writer of <paramref name="fileName"/> left in <paramref name="dir"/>,
    /// and no others: writers of other files in the folder (concurrent shards) may be mid-write.
    /// </summary>
    public static void RemoveLeftovers(string dir, string fileName)
    {
        if (!Directory.Exists(dir)) return;
        foreach (var f in Directory.EnumerateFiles(dir, $".{fileName}{TempMarker}*"))
            TryDelete(f);
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
