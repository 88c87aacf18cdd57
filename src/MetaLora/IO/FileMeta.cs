using System.Runtime.InteropServices;

namespace MetaLora.IO;

/// <summary>
/// What the file system says about a file without reading it: size, modification time, status-change
/// time and inode. Size and mtime alone cannot tell a file from a copy of another one: <c>cp -p</c>,
/// <c>rsync -t</c> and .NET's <c>File.Copy</c> keep the source's mtime, and Linux stamps files from a
/// coarse clock, so two adapters written in one go often share size and mtime to the tick. The
/// status-change time (ctime) cannot be set by a program; any write, copy or rename moves it.
/// </summary>
/// <remarks>Times are <see cref="DateTime"/> ticks (UTC). Without <c>statx</c> (not Linux, or a kernel
/// that refuses it) the ctime is taken to be the mtime and the inode is 0.</remarks>
public readonly partial record struct FileMeta(long Size, long MtimeTicks, long CtimeTicks, ulong Inode)
{
    /// <summary>The file's metadata, following symbolic links, or null when there is no such file.</summary>
    public static FileMeta? Of(string path)
    {
        if (OperatingSystem.IsLinux() && s_statx)
        {
            try
            {
                if (Statx(AtFdCwd, path, 0, StatxBasicStats, out var buffer) == 0)
                    return new FileMeta((long)buffer.Size, Ticks(buffer.MtimeSeconds, buffer.MtimeNanoseconds),
                        Ticks(buffer.CtimeSeconds, buffer.CtimeNanoseconds), buffer.Inode);
                var errno = Marshal.GetLastPInvokeError();
                if (errno is ENoEnt or ENotDir) return null;
                if (errno is ENoSys or EPerm) s_statx = false;
            }
            catch (EntryPointNotFoundException)
            {
                s_statx = false;
            }
        }
        var info = new FileInfo(path);
        if (!info.Exists) return null;
        var mtime = info.LastWriteTimeUtc.Ticks;
        return new FileMeta(info.Length, mtime, mtime, 0);
    }

    private static long Ticks(long seconds, uint nanoseconds) =>
        DateTime.UnixEpoch.Ticks + seconds * TimeSpan.TicksPerSecond + nanoseconds / 100;

    private static volatile bool s_statx = true;

    private const int AtFdCwd = -100;
    private const uint StatxBasicStats = 0x7ff;
    private const int EPerm = 1, ENoEnt = 2, ENotDir = 20, ENoSys = 38;

    // struct statx from <linux/stat.h>: the same 256-byte layout on every architecture.
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct StatxBuffer
    {
        [FieldOffset(32)] public ulong Inode;
        [FieldOffset(40)] public ulong Size;
        [FieldOffset(96)] public long CtimeSeconds;
        [FieldOffset(104)] public uint CtimeNanoseconds;
        [FieldOffset(112)] public long MtimeSeconds;
        [FieldOffset(120)] public uint MtimeNanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, out StatxBuffer buffer);
}
