using System.Globalization;

namespace MetaLora.IO;

/// <summary>
/// Free space checks, so a download or a Predict pass that cannot fit fails before it writes
/// anything, with one line, instead of filling the disk part way.
/// </summary>
internal static class DiskSpace
{
    private static readonly AsyncLocal<Func<string, long?>?> Provider = new();

    /// <summary>
    /// Bytes free for the file system holding <paramref name="directory"/> (or, if it does not exist
    /// yet, its nearest existing parent), or null where the platform cannot say.
    /// </summary>
    public static long? Free(string directory)
    {
        if (Provider.Value is { } provider) return provider(directory);
        try
        {
            var existing = Path.GetFullPath(directory);
            while (!Directory.Exists(existing) && Path.GetDirectoryName(existing) is { } parent) existing = parent;
            return new DriveInfo(existing).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Makes <see cref="Free"/> answer with <paramref name="free"/> in this flow of execution (the
    /// calling thread and the tasks it starts) until disposed: a test can then run a real writer
    /// against a disk that is too small, without filling one.
    /// </summary>
    public static IDisposable Assume(Func<string, long?> free)
    {
        var previous = Provider.Value;
        Provider.Value = free;
        return new Restore(previous);
    }

    /// <summary>
    /// Throws the one-line error <c>&lt;directory&gt;: not enough free space: &lt;what&gt; need N, only M free; &lt;advice&gt;</c>
    /// when the file system of <paramref name="directory"/> is known to have less than <paramref name="bytes"/> free.
    /// </summary>
    /// <param name="directory">Where the bytes go (need not exist yet).</param>
    /// <param name="bytes">How many bytes the caller is about to write there.</param>
    /// <param name="what">What needs them, e.g. "502 predicted adapters of 26.0 MiB".</param>
    /// <param name="advice">What the user can do.</param>
    /// <param name="free">Free bytes for a folder; <see cref="Free"/> unless a caller has its own.</param>
    public static void Require(string directory, long bytes, string what, string advice, Func<string, long?>? free = null)
    {
        if ((free ?? Free)(directory) is { } available && bytes > available)
            throw BadInputException.At(directory, $"not enough free space: {what} need {Format(bytes)}, only {Format(available)} free; {advice}");
    }

    /// <summary>Whether a write failed because the disk is full (ENOSPC on Unix, ERROR_DISK_FULL/ERROR_HANDLE_DISK_FULL on Windows).</summary>
    internal static bool IsDiskFull(IOException e) =>
        e.HResult is 28 or unchecked((int)0x80070070) or unchecked((int)0x80070027)
        || e.Message.Contains("No space left on device", StringComparison.OrdinalIgnoreCase);

    /// <summary>A size in binary units (KiB = 1024 bytes), as <c>df -h</c> and most tools print them.</summary>
    public static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.0} GiB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0.0} MiB"),
        >= 1L << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
    };

    private sealed class Restore(Func<string, long?>? previous) : IDisposable
    {
        public void Dispose() => Provider.Value = previous;
    }
}
