using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

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
internal readonly partial record struct FileMeta(long Size, long MtimeTicks, long CtimeTicks, ulong Inode)
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

    /// <summary>
    /// Whether this metadata, recorded earlier, proves that <paramref name="current"/> is the same
    /// unchanged file. A record without a ctime (0: written before ctimes were kept, or a change too
    /// recent to trust) proves nothing.
    /// </summary>
    public bool Vouches(FileMeta? current) => CtimeTicks != 0 && current == this;

    /// <summary>As above, for the file at <paramref name="path"/> now.</summary>
    public bool Vouches(string path) => Vouches(Of(path));

    /// <summary>Appends the fields to <paramref name="hash"/>: size, mtime, ctime and inode, each a little-endian int64.</summary>
    public void AppendTo(IncrementalHash hash)
    {
        Span<byte> buffer = stackalloc byte[8];
        foreach (var field in (ReadOnlySpan<long>)[Size, MtimeTicks, CtimeTicks, (long)Inode])
        {
            BinaryPrimitives.WriteInt64LittleEndian(buffer, field);
            hash.AppendData(buffer);
        }
    }

    /// <summary>As <see cref="Of"/>, failing with <see cref="FileNotFoundException"/> when there is no such file.</summary>
    public static FileMeta OfExisting(string path) => Of(path) ?? throw new FileNotFoundException($"{path}: file not found", path);

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
