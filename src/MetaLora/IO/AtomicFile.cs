using System.Text;

namespace MetaLora.IO;

/// <summary>
/// Writes a file so that readers see either the old content or the complete new content:
/// the bytes go to a temporary file in the same folder (same file system, so the final rename
/// is atomic), are flushed to disk, then renamed over the target.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Temporary files carry this marker so that a killed run's leftovers are recognisable.</summary>
    public const string TempMarker = ".partial-";

    /// <summary>
    /// Writes <paramref name="path"/> through <paramref name="write"/>. A full disk or a read-only
    /// folder ends in the one-line error of <see cref="StorageFailure"/>, with the target untouched
    /// and no temporary file left.
    /// </summary>
    public static void Write(string path, Action<Stream> write) => Write(path, write, bytesNeeded: null);

    private static void Write(string path, Action<Stream> write, long? bytesNeeded)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        long written = 0;
        try
        {
            using var writer = new AtomicWriter(path);
            write(writer.Stream);
            written = writer.Stream.Position;
            writer.Commit();
        }
        catch (Exception e)
        {
            // Described here, not in a filter: the writer has deleted its temporary file by now, so the free space reported is right.
            if (StorageFailure.Describe(e, dir, bytesNeeded ?? (written > 0 ? written : null)) is { } described) throw described;
            throw;
        }
    }

    /// <summary>
    /// Writes <paramref name="path"/> through <paramref name="write"/>, which is given a temporary path
    /// to write to (for writers that only take a path); that file is then flushed to disk and renamed
    /// over the target. Failures are reported as by <see cref="Write(string, Action{Stream})"/>.
    /// </summary>
    public static void WriteWith(string path, Action<string> write)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        var temp = TempPath(full);
        try
        {
            Directory.CreateDirectory(dir);
            write(temp);
            using (var stream = new FileStream(temp, FileMode.Open, FileAccess.Write, FileShare.None))
                stream.Flush(flushToDisk: true);
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e)
        {
            TryDelete(temp);
            if (StorageFailure.Describe(e, dir) is { } described) throw described;
            throw;
        }
    }

    /// <summary>A fresh temporary path beside <paramref name="fullPath"/>: hidden, with the marker, the process and a unique suffix.</summary>
    public static string TempPath(string fullPath) =>
        Path.Combine(Path.GetDirectoryName(fullPath)!, $".{Path.GetFileName(fullPath)}{TempMarker}{Environment.ProcessId}-{Guid.NewGuid():N}");

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, s => s.Write(copy), copy.LongLength);
    }

    public static void WriteAllText(string path, string text) =>
        WriteAllBytes(path, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text));

    /// <summary>
    /// Removes the temporary files killed writers left anywhere under <paramref name="root"/>. Only
    /// for a folder nothing else writes meanwhile: the pipeline calls it holding the folder's lock,
    /// before any stage (or Slurm shard, which may write shared files at the same time) starts.
    /// </summary>
    public static int RemoveLeftoversUnder(string root)
    {
        if (!Directory.Exists(root)) return 0;
        var removed = 0;
        foreach (var f in Directory.EnumerateFiles(root, "*" + TempMarker + "*", SearchOption.AllDirectories))
        {
            TryDelete(f);
            removed++;
        }
        return removed;
    }

    /// <summary>Removes <paramref name="path"/> if it can; a leftover is harmless and removed by the next run.</summary>
    public static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
