// Compiled twice: by MSBuild's RoslynCodeTaskFactory (against netstandard 2.0, so no spans or newer
// file APIs here) and into the test project, which is why nullable is switched on explicitly.
#nullable enable

using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Build.Framework;

namespace MetaLora.Build;

/// <summary>What <see cref="ElfVersionPatch.MarkWeak"/> did to a file.</summary>
public enum ElfPatchOutcome
{
    /// <summary>The file does not require the version at all.</summary>
    NotRequired,

    /// <summary>Every requirement of the version was already weak; the file was left alone.</summary>
    AlreadyWeak,

    /// <summary>The requirement was strong and the file was rewritten with it weak.</summary>
    Patched,
}

/// <summary>One Vernaux entry of <c>.gnu.version_r</c>: a symbol version required from a dependency.</summary>
public sealed class ElfVersionNeed
{
    public ElfVersionNeed(string file, string version, ushort flags, long flagsOffset)
    {
        File = file;
        Version = version;
        Flags = flags;
        FlagsOffset = flagsOffset;
    }

    /// <summary>The dependency that must provide the version, e.g. <c>libstdc++.so.6</c>.</summary>
    public string File { get; }

    public string Version { get; }

    /// <summary><c>vna_flags</c>.</summary>
    public ushort Flags { get; }

    /// <summary>Position of <c>vna_flags</c> in the file.</summary>
    public long FlagsOffset { get; }

    public bool IsWeak => (Flags & ElfVersionPatch.WeakFlag) != 0;
}

/// <summary>
/// Reads and patches the version requirements of 64-bit little-endian ELF shared libraries.
/// A requirement flagged VER_FLG_WEAK that the dependency cannot satisfy is not fatal to the
/// dynamic loader, which is how a library built against a newer libstdc++ can still load when it
/// uses nothing from the missing version.
/// </summary>
public static class ElfVersionPatch
{
    /// <summary>VER_FLG_WEAK.</summary>
    public const ushort WeakFlag = 0x2;

    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const int ElfHeaderSize = 64;
    private const int SectionHeaderSize = 64;
    private const int VerneedSize = 16;
    private const int VernauxSize = 16;

    /// <summary>All version requirements of the ELF image, in file order.</summary>
    /// <param name="image">The whole file's bytes.</param>
    /// <param name="label">Names the image in error messages (usually its path).</param>
    /// <exception cref="InvalidDataException">The bytes are not a well-formed ELF64 little-endian file.</exception>
    public static IReadOnlyList<ElfVersionNeed> ReadVersionNeeds(byte[] image, string label)
    {
        var elf = new Reader(image, label);
        if (image.Length < 4 || image[0] != 0x7f || image[1] != (byte)'E' || image[2] != (byte)'L' || image[3] != (byte)'F')
            throw elf.Bad("not an ELF file (no \\x7fELF signature)");
        if (image.Length < ElfHeaderSize)
            throw elf.Bad($"truncated ELF header ({image.Length} bytes, need {ElfHeaderSize})");
        if (image[4] != 2)
            throw elf.Bad("not a 64-bit ELF file (only ELFCLASS64 is supported)");
        if (image[5] != 1)
            throw elf.Bad("not a little-endian ELF file (only ELFDATA2LSB is supported)");

        var shoff = elf.U64(0x28);
        var shentsize = elf.U16(0x3a);
        ulong shnum = elf.U16(0x3c);
        if (shoff == 0)
            throw elf.Bad("has no section header table");
        if (shentsize < SectionHeaderSize)
            throw elf.Bad($"section header entry size {shentsize} is below {SectionHeaderSize}");
        elf.Require(shoff, shentsize, "section header table");
        // With 0xff00 or more sections e_shnum is 0 and the real count sits in section 0's sh_size.
        if (shnum == 0)
            shnum = elf.U64(shoff + 32);
        if (shnum > (ulong)image.Length / shentsize)
            throw elf.Bad($"section header table ({shnum} entries) runs past the end of the file (truncated?)");
        elf.Require(shoff, shnum * shentsize, "section header table");

        var needs = new List<ElfVersionNeed>();
        for (ulong i = 0; i < shnum; i++)
        {
            var sh = shoff + i * shentsize;
            if (elf.U32(sh + 4) != ShtGnuVerneed)
                continue;
            var start = elf.U64(sh + 24);
            var size = elf.U64(sh + 32);
            var link = elf.U32(sh + 40);
            var count = elf.U32(sh + 44);
            elf.Require(start, size, ".gnu.version_r section");
            if (link == 0 || link >= shnum)
                throw elf.Bad($".gnu.version_r links to string table section {link}, which does not exist");
            var strtab = shoff + link * shentsize;
            var strings = new StringTable(elf, elf.U64(strtab + 24), elf.U64(strtab + 32));
            ReadVerneedChain(elf, strings, start, size, count, needs);
        }
        return needs;
    }

    /// <summary>Follows vn_next from the first Verneed and vn_aux/vna_next through each one's Vernaux entries.</summary>
    private static void ReadVerneedChain(Reader elf, StringTable strings, ulong start, ulong size, uint count, List<ElfVersionNeed> needs)
    {
        var end = start + size;
        var vn = start;
        // sh_info holds the number of Verneed entries; bounding the loops by the counts also defeats cyclic offsets.
        for (uint n = 0; n < count; n++)
        {
            RequireEntry(elf, vn, VerneedSize, start, end, "Verneed");
            var auxCount = elf.U16(vn + 2);
            var file = strings.Get(elf.U32(vn + 4));
            var aux = vn + elf.U32(vn + 8);
            for (uint k = 0; k < auxCount; k++)
            {
                RequireEntry(elf, aux, VernauxSize, start, end, "Vernaux");
                var flags = elf.U16(aux + 4);
                var name = strings.Get(elf.U32(aux + 8));
                needs.Add(new ElfVersionNeed(file, name, flags, (long)(aux + 4)));
                var nextAux = elf.U32(aux + 12);
                if (nextAux == 0)
                    break;
                aux += nextAux;
            }
            var next = elf.U32(vn + 12);
            if (next == 0)
                break;
            vn += next;
        }
    }

    private static void RequireEntry(Reader elf, ulong at, int length, ulong start, ulong end, string what)
    {
        if (at < start || at > end || end - at < (ulong)length)
            throw elf.Bad($"{what} entry at 0x{at:x} lies outside .gnu.version_r (0x{start:x}..0x{end:x})");
    }

    /// <summary>
    /// Sets VER_FLG_WEAK on every requirement of <paramref name="version"/> in the file at <paramref name="path"/>.
    /// The file is replaced by a patched copy (same folder, then rename) with the original modification time.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a well-formed ELF64 little-endian file; it is left untouched.</exception>
    public static ElfPatchOutcome MarkWeak(string path, string version)
    {
        var full = Path.GetFullPath(path);
        var image = File.ReadAllBytes(full);
        var strong = new List<ElfVersionNeed>();
        var required = false;
        foreach (var need in ReadVersionNeeds(image, full))
        {
            if (need.Version != version)
                continue;
            required = true;
            if (!need.IsWeak)
                strong.Add(need);
        }
        if (!required)
            return ElfPatchOutcome.NotRequired;
        if (strong.Count == 0)
            return ElfPatchOutcome.AlreadyWeak;

        var lastWrite = File.GetLastWriteTimeUtc(full);
        var dir = Path.GetDirectoryName(full) ?? ".";
        var temp = Path.Combine(dir, "." + Path.GetFileName(full) + ".weaken-" + Guid.NewGuid().ToString("N"));
        try
        {
            // Write a new file and rename it over the old one rather than writing in place: the old path may be a
            // hard link into the package cache, and a rename only swaps this directory entry. File.Copy keeps the mode bits.
            File.Copy(full, temp);
            using (var stream = new FileStream(temp, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            {
                if (stream.Length != image.Length)
                    throw new IOException($"{full}: changed while being patched");
                foreach (var need in strong)
                {
                    var flags = (ushort)(need.Flags | WeakFlag);
                    stream.Position = need.FlagsOffset;
                    stream.WriteByte((byte)flags);
                    stream.WriteByte((byte)(flags >> 8));
                }
                stream.Flush(flushToDisk: true);
            }
            // MSBuild skips a copy when time and size match the source; keeping the time stops every build from
            // re-copying the unpatched original over this file.
            File.SetLastWriteTimeUtc(temp, lastWrite);
            File.Replace(temp, full, destinationBackupFileName: null);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
        return ElfPatchOutcome.Patched;
    }

    /// <summary>
    /// Whether a library defines <paramref name="version"/>: its name appears NUL-delimited among the library's strings.
    /// </summary>
    public static bool DefinesVersion(string libraryPath, string version)
    {
        var bytes = File.ReadAllBytes(libraryPath);
        var needle = Encoding.ASCII.GetBytes("\0" + version + "\0");
        var i = Array.IndexOf(bytes, needle[0]);
        while (i >= 0 && i <= bytes.Length - needle.Length)
        {
            var j = 1;
            while (j < needle.Length && bytes[i + j] == needle[j])
                j++;
            if (j == needle.Length)
                return true;
            i = Array.IndexOf(bytes, needle[0], i + 1);
        }
        return false;
    }

    /// <summary>Bounds-checked little-endian reads; every failure names the file.</summary>
    private sealed class Reader
    {
        private readonly byte[] _image;
        private readonly string _label;

        public Reader(byte[] image, string label)
        {
            _image = image;
            _label = label;
        }

        public InvalidDataException Bad(string problem) => new($"{_label}: {problem}");

        public void Require(ulong offset, ulong length, string what)
        {
            var size = (ulong)_image.Length;
            if (offset > size || length > size - offset)
                throw Bad($"{what} (0x{offset:x}, {length} bytes) runs past the end of the file ({size} bytes; truncated?)");
        }

        public ushort U16(ulong at) => (ushort)Read(at, 2);

        public uint U32(ulong at) => (uint)Read(at, 4);

        public ulong U64(ulong at) => Read(at, 8);

        public byte this[ulong at]
        {
            get
            {
                Require(at, 1, "string");
                return _image[at];
            }
        }

        private ulong Read(ulong at, int width)
        {
            Require(at, (ulong)width, "field");
            ulong value = 0;
            for (var b = width - 1; b >= 0; b--)
                value = (value << 8) | _image[at + (ulong)b];
            return value;
        }
    }

    /// <summary>A string table section; names are offsets into it.</summary>
    private sealed class StringTable
    {
        private readonly Reader _elf;
        private readonly ulong _start;
        private readonly ulong _size;

        public StringTable(Reader elf, ulong start, ulong size)
        {
            elf.Require(start, size, "string table");
            _elf = elf;
            _start = start;
            _size = size;
        }

        public string Get(uint offset)
        {
            if (offset >= _size)
                throw _elf.Bad($"string offset {offset} lies outside the string table ({_size} bytes)");
            var builder = new StringBuilder();
            for (var at = _start + offset; at < _start + _size; at++)
            {
                var c = _elf[at];
                if (c == 0)
                    return builder.ToString();
                builder.Append((char)c);
            }
            throw _elf.Bad($"string at offset {offset} is not NUL-terminated within the string table");
        }
    }
}

/// <summary>Finds the libstdc++ the dynamic loader would use.</summary>
public static class SystemLibstdcxx
{
    private const string Soname = "libstdc++.so.6";

    /// <summary>The first existing candidate built for this process's architecture, or null.</summary>
    public static string? Find()
    {
        foreach (var candidate in Candidates())
        {
            if (File.Exists(candidate) && IsElfForThisProcess(candidate))
                return candidate;
        }
        return null;
    }

    private static IEnumerable<string> Candidates()
    {
        // The .NET runtime links libstdc++, so the copy the loader mapped into this process is the one it picks.
        foreach (var line in ReadLinesOrNone("/proc/self/maps"))
        {
            var slash = line.IndexOf('/');
            if (slash < 0)
                continue;
            var path = line.Substring(slash);
            if (Path.GetFileName(path).StartsWith(Soname, StringComparison.Ordinal))
                yield return path;
        }
        foreach (var path in LoaderCachePaths("/etc/ld.so.cache"))
            yield return path;
        var triplet = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => "x86_64-linux-gnu",
            Architecture.Arm64 => "aarch64-linux-gnu",
            Architecture.X86 => "i386-linux-gnu",
            Architecture.Arm => "arm-linux-gnueabihf",
            _ => "",
        };
        if (triplet.Length > 0)
        {
            yield return $"/usr/lib/{triplet}/{Soname}";
            yield return $"/lib/{triplet}/{Soname}";
        }
        yield return $"/usr/lib64/{Soname}";
        yield return $"/lib64/{Soname}";
        yield return $"/usr/lib/{Soname}";
        yield return $"/lib/{Soname}";
    }

    /// <summary>Full paths of libstdc++ in ldconfig's cache, which stores them as NUL-terminated strings.</summary>
    private static IEnumerable<string> LoaderCachePaths(string cachePath)
    {
        byte[] cache;
        try
        {
            cache = File.ReadAllBytes(cachePath);
        }
        catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
        {
            yield break;
        }
        var suffix = "/" + Soname;
        var start = 0;
        for (var i = 0; i < cache.Length; i++)
        {
            if (cache[i] != 0)
                continue;
            // Strings may directly follow binary fields, so a path starts after the last non-printable byte.
            var from = i;
            while (from > start && cache[from - 1] >= 0x20 && cache[from - 1] < 0x7f)
                from--;
            var text = Encoding.ASCII.GetString(cache, from, i - from);
            var slash = text.IndexOf('/');
            if (slash >= 0 && text.EndsWith(suffix, StringComparison.Ordinal))
                yield return text.Substring(slash);
            start = i + 1;
        }
    }

    private static IEnumerable<string> ReadLinesOrNone(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
        {
            return Array.Empty<string>();
        }
    }

    private static bool IsElfForThisProcess(string path)
    {
        var header = new byte[20];
        try
        {
            using var stream = File.OpenRead(path);
            var read = 0;
            while (read < header.Length)
            {
                var n = stream.Read(header, read, header.Length - read);
                if (n == 0)
                    return false;
                read += n;
            }
        }
        catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
        {
            return false;
        }
        if (header[0] != 0x7f || header[1] != (byte)'E' || header[2] != (byte)'L' || header[3] != (byte)'F')
            return false;
        // e_machine; a multiarch system also lists other architectures' copies.
        var machine = header[5] == 1 ? header[18] | (header[19] << 8) : (header[18] << 8) | header[19];
        return RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => machine == 62,
            Architecture.Arm64 => machine == 183,
            Architecture.X86 => machine == 3,
            Architecture.Arm => machine == 40,
            _ => true,
        };
    }
}

/// <summary>
/// When the system libstdc++ lacks <see cref="VersionName"/>, marks that requirement weak in each of
/// <see cref="Files"/> so the dynamic loader accepts them. Does nothing elsewhere.
/// </summary>
public sealed class WeakenMissingLibstdcxxVersion : Microsoft.Build.Utilities.Task
{
    /// <summary>Libraries to patch in place; missing ones are skipped.</summary>
    [Required]
    public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>The version to weaken, e.g. GLIBCXX_3.4.32.</summary>
    [Required]
    public string VersionName { get; set; } = "";

    /// <summary>The libstdc++ to check; empty finds the one the loader uses.</summary>
    public string Libstdcxx { get; set; } = "";

    public override bool Execute()
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            return true;
        var libstdcxx = Libstdcxx.Length > 0 ? Libstdcxx : SystemLibstdcxx.Find();
        if (libstdcxx is null)
        {
            Log.LogMessage(MessageImportance.Low, "libstdc++.so.6 not found; leaving {0} requirements as they are.", VersionName);
            return true;
        }
        try
        {
            if (ElfVersionPatch.DefinesVersion(libstdcxx, VersionName))
            {
                Log.LogMessage(MessageImportance.Low, "{0} provides {1}; nothing to patch.", libstdcxx, VersionName);
                return true;
            }
        }
        catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
        {
            Log.LogError("Cannot read {0}: {1}", libstdcxx, e.Message);
            return false;
        }

        foreach (var item in Files)
        {
            var path = item.GetMetadata("FullPath");
            if (!File.Exists(path))
                continue;
            try
            {
                if (ElfVersionPatch.MarkWeak(path, VersionName) == ElfPatchOutcome.Patched)
                    Log.LogMessage(MessageImportance.Normal, "Marked the {0} requirement weak in {1} ({2} lacks it).", VersionName, path, libstdcxx);
            }
            catch (Exception e) when (e is InvalidDataException || e is IOException || e is UnauthorizedAccessException)
            {
                Log.LogError("Cannot mark {0} weak: {1}", VersionName, e.Message);
            }
        }
        return !Log.HasLoggedErrors;
    }
}
