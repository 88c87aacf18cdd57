using System.Text.RegularExpressions;

namespace MetaLora.IO;

/// <summary>
/// Turns a failure of the storage under a folder (a full disk, a read-only or inaccessible folder)
/// into the tool's one-line error: the folder, the problem and, where known, the space the write
/// needed. Every writer goes through <see cref="AtomicFile"/>, which calls this with the folder it
/// writes to; the command line calls it for anything else, so no stage needs its own handler.
/// </summary>
internal static partial class StorageFailure
{
    // errno values, which .NET on Unix reports as an IOException's HResult when it has no
    // dedicated exception type for them.
    private const int ENOSPC = 28;
    private const int EROFS = 30;
    private const int EDQUOT = 122;

    /// <summary>
    /// The one-line error for <paramref name="error"/>, or null when it is not a storage failure
    /// (a missing input file, say, which callers report in their own words).
    /// </summary>
    /// <param name="error">What the file system threw.</param>
    /// <param name="folder">The folder being written, when the caller knows it.</param>
    /// <param name="bytesNeeded">The size of what was being written, when known.</param>
    public static BadInputException? Describe(Exception error, string? folder = null, long? bytesNeeded = null)
    {
        var problem = error switch
        {
            UnauthorizedAccessException => "permission denied",
            FileNotFoundException or DirectoryNotFoundException => null,
            IOException { HResult: ENOSPC } => "no space left on the device",
            IOException { HResult: EDQUOT } => "disk quota exceeded",
            IOException { HResult: EROFS } => "the file system is read-only",
            _ => null,
        };
        if (problem is null) return null;
        folder ??= FolderNamedIn(error.Message);
        var where = folder is null ? "" : $"{folder}: ";
        var space = "";
        if (problem.StartsWith("no space", StringComparison.Ordinal) && folder is not null)
        {
            var free = DiskSpace.Free(folder) ?? 0;
            space = bytesNeeded is { } need
                ? $" (writing {DiskSpace.Format(need)}; {DiskSpace.Format(free)} free)"
                : $" ({DiskSpace.Format(free)} free)";
        }
        return new BadInputException($"{where}cannot write: {problem}{space}; nothing was changed there by the failed write");
    }

    /// <summary>The folder of the path .NET quotes in its messages (<c>... : '/a/b/.x.partial-1'</c>).</summary>
    private static string? FolderNamedIn(string message)
    {
        var m = QuotedPath().Match(message);
        if (!m.Success || !Path.IsPathRooted(m.Groups[1].Value)) return null;
        var path = m.Groups[1].Value;
        return Directory.Exists(path) ? path : Path.GetDirectoryName(path);
    }

    [GeneratedRegex("'([^']+)'")]
    private static partial Regex QuotedPath();
}
