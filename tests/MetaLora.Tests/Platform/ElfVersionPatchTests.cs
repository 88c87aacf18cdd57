using System.Diagnostics;
using MetaLora.Build;

namespace MetaLora.Tests.Platform;

/// <summary>
/// The build step that marks libLibTorchSharp.so's GLIBCXX_3.4.32 requirement weak, exercised on copies of
/// the real library taken from the NuGet package folder (which itself is never written).
/// </summary>
public sealed class ElfVersionPatchTests : IDisposable
{
    private const string Version = "GLIBCXX_3.4.32";

    private readonly string _dir = Directory.CreateTempSubdirectory("elf-version-patch-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string CopyPackagedLibrary(string name = "libLibTorchSharp.so")
    {
        var path = Path.Combine(_dir, name);
        File.Copy(TorchSharpPackage.NativeLibraryPath, path);
        return path;
    }

    private static ElfVersionNeed Need(string path) =>
        ElfVersionPatch.ReadVersionNeeds(File.ReadAllBytes(path), path).Single(n => n.Version == Version);

    [PackagedLibraryFact]
    public void ReadsTheVersionNeedsOfThePackagedLibrary()
    {
        var path = CopyPackagedLibrary();
        var needs = ElfVersionPatch.ReadVersionNeeds(File.ReadAllBytes(path), path);

        // As `readelf -V` lists them: five dependencies, twenty versions from libstdc++, all strong.
        Assert.Equal(28, needs.Count);
        Assert.Equal(20, needs.Count(n => n.File == "libstdc++.so.6"));
        Assert.Contains(needs, n => n.File == "libc.so.6" && n.Version == "GLIBC_2.34");
        Assert.Contains(needs, n => n.File == "libgcc_s.so.1" && n.Version == "GCC_3.0");
        Assert.All(needs, n => Assert.False(n.IsWeak));
        Assert.Equal("libstdc++.so.6", Need(path).File);
    }

    [PackagedLibraryFact]
    public void MarkWeakSetsOnlyTheFlagOfThatVersion()
    {
        var path = CopyPackagedLibrary();
        var before = File.ReadAllBytes(path);
        var time = new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(path, time);

        Assert.Equal(ElfPatchOutcome.Patched, ElfVersionPatch.MarkWeak(path, Version));

        var after = File.ReadAllBytes(path);
        var need = Need(path);
        Assert.True(need.IsWeak);
        Assert.Equal(before.Length, after.Length);
        var changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToArray();
        Assert.Equal([(int)need.FlagsOffset], changed);
        Assert.Equal(before[need.FlagsOffset] | ElfVersionPatch.WeakFlag, after[need.FlagsOffset]);
        Assert.All(ElfVersionPatch.ReadVersionNeeds(after, path).Where(n => n.Version != Version), n => Assert.False(n.IsWeak));
        // The time stamp is kept so that MSBuild's copy step still sees the file as up to date.
        Assert.Equal(time, File.GetLastWriteTimeUtc(path));
        Assert.Equal([path], Directory.GetFiles(_dir));
    }

    [PackagedLibraryFact]
    public void SecondRunChangesNothing()
    {
        var path = CopyPackagedLibrary();
        ElfVersionPatch.MarkWeak(path, Version);
        var patched = File.ReadAllBytes(path);
        var time = File.GetLastWriteTimeUtc(path);

        Assert.Equal(ElfPatchOutcome.AlreadyWeak, ElfVersionPatch.MarkWeak(path, Version));

        Assert.Equal(patched, File.ReadAllBytes(path));
        Assert.Equal(time, File.GetLastWriteTimeUtc(path));
    }

    [PackagedLibraryFact]
    public void VersionNotRequiredLeavesTheFileAlone()
    {
        var path = CopyPackagedLibrary();
        var before = File.ReadAllBytes(path);

        Assert.Equal(ElfPatchOutcome.NotRequired, ElfVersionPatch.MarkWeak(path, "GLIBCXX_9.9.9"));

        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [PackagedLibraryFact]
    public void HardLinkedOriginalIsNotWritten()
    {
        if (!OperatingSystem.IsLinux())
            return;
        // Stands for the package cache when the output copy was made as a hard link.
        var cache = CopyPackagedLibrary("cache.so");
        var output = Path.Combine(_dir, "libLibTorchSharp.so");
        using (var ln = Process.Start("ln", [cache, output]))
        {
            ln.WaitForExit();
            Assert.Equal(0, ln.ExitCode);
        }
        var original = File.ReadAllBytes(cache);

        Assert.Equal(ElfPatchOutcome.Patched, ElfVersionPatch.MarkWeak(output, Version));

        Assert.Equal(original, File.ReadAllBytes(cache));
        Assert.True(Need(output).IsWeak);
        Assert.False(Need(cache).IsWeak);
    }

    [Fact]
    public void NonElfFileIsRejectedAndKept()
    {
        var path = Path.Combine(_dir, "libLibTorchSharp.so");
        File.WriteAllText(path, "version https://git-lfs.github.com/spec/v1\n");
        var before = File.ReadAllBytes(path);

        var e = Assert.Throws<InvalidDataException>(() => ElfVersionPatch.MarkWeak(path, Version));

        Assert.Equal($"{path}: not an ELF file (no \\x7fELF signature)", e.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [PackagedLibraryFact]
    public void TruncatedFileIsRejectedAndKept()
    {
        foreach (var length in new[] { 40, 64 * 1024 })
        {
            var path = Path.Combine(_dir, $"truncated-{length}.so");
            var prefix = File.ReadAllBytes(TorchSharpPackage.NativeLibraryPath).AsSpan(0, length).ToArray();
            File.WriteAllBytes(path, prefix);

            var e = Assert.Throws<InvalidDataException>(() => ElfVersionPatch.MarkWeak(path, Version));

            Assert.StartsWith($"{path}: ", e.Message, StringComparison.Ordinal);
            Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
            Assert.Equal(prefix, File.ReadAllBytes(path));
        }
    }

    [PackagedLibraryFact]
    public void CorruptVersionChainIsRejected()
    {
        var path = CopyPackagedLibrary();
        var bytes = File.ReadAllBytes(path);
        // libstdc++'s Verneed sits right before its first Vernaux (vn_aux = 16); aim vn_aux far outside the section.
        var firstAux = ElfVersionPatch.ReadVersionNeeds(bytes, path).First(n => n.File == "libstdc++.so.6").FlagsOffset - 4;
        var vnAux = (int)firstAux - 16 + 8;
        Assert.Equal(16u, BitConverter.ToUInt32(bytes, vnAux));
        BitConverter.TryWriteBytes(bytes.AsSpan(vnAux, 4), 0x7fff_0000u);
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<InvalidDataException>(() => ElfVersionPatch.MarkWeak(path, Version));

        Assert.Contains("Vernaux entry", e.Message, StringComparison.Ordinal);
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }
}
