namespace MetaLora.Cli.Bench;

/// <summary>
/// A process's peak resident set size (Linux: VmHWM in /proc/PID/status), and its reset, so a
/// benchmark can report the peak of the part it times. 0 and false where there is no procfs.
/// </summary>
internal static class PeakMemory
{
    /// <summary>The peak resident bytes of this process, or of process <paramref name="pid"/>.</summary>
    public static long Bytes(int? pid = null)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{(pid is { } id ? id.ToString(System.Globalization.CultureInfo.InvariantCulture) : "self")}/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return 0;
    }

    /// <summary>Sets this process's peak to its current resident size ("5" to clear_refs); false where that is not allowed.</summary>
    public static bool TryReset()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return false;
        }
    }
}
