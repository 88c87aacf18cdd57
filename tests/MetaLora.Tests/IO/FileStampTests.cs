using System.Text.Json;
using MetaLora.IO;

namespace MetaLora.Tests.IO;

public sealed class FileStampTests
{
    [Fact]
    public void Metadata_matches_what_dotnet_reports_and_tells_files_apart()
    {
        using var dir = new TempDir();
        var path = dir["ünïcode adapter.bin"];
        File.WriteAllBytes(path, new byte[1234]);
        var meta = FileMeta.Of(path)!.Value;
        var info = new FileInfo(path);
        Assert.Equal(1234, meta.Size);
        Assert.Equal(info.LastWriteTimeUtc.Ticks, meta.MtimeTicks);
        Assert.True(meta.CtimeTicks >= meta.MtimeTicks);
        Assert.Null(FileMeta.Of(dir["missing"]));
        Assert.Null(FileMeta.Of(Path.Combine(path, "under-a-file")));
        if (OperatingSystem.IsLinux())
        {
            File.WriteAllBytes(dir["other"], new byte[1234]);
            Assert.NotEqual(0UL, meta.Inode);
            Assert.NotEqual(meta.Inode, FileMeta.Of(dir["other"])!.Value.Inode);
        }
    }

    [Fact]
    public void A_copy_keeping_size_and_mtime_is_seen_through_the_status_change_time()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["a"], "first");
        File.WriteAllText(dir["b"], "other");
        File.SetLastWriteTimeUtc(dir["a"], File.GetLastWriteTimeUtc(dir["b"]));
        // A stamp that trusts its times, as one taken a while after the last write would.
        var meta = FileMeta.Of(dir["b"])!.Value;
        var settled = FileStamp.Take(dir["b"]) with { CtimeTicks = meta.CtimeTicks };
        Assert.True(settled.Matches(dir["b"], out var same));
        Assert.Same(settled, same);

        // The status-change time moves on the clock's next tick; Linux's file clock ticks every few ms.
        Thread.Sleep(50);
        File.Copy(dir["a"], dir["b"], overwrite: true);
        var copied = FileMeta.Of(dir["b"])!.Value;
        Assert.Equal((meta.Size, meta.MtimeTicks), (copied.Size, copied.MtimeTicks));
        Assert.False(settled.Matches(dir["b"], out var current));
        Assert.Equal(FileStamp.Hash(dir["a"]), current.Sha256);
    }

    [Fact]
    public void A_file_hashed_right_after_its_last_change_is_read_again_next_time()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["a"], "first");
        File.WriteAllText(dir["b"], "other");
        var stamp = FileStamp.Take(dir["b"]);
        Assert.Equal(0, stamp.CtimeTicks);

        // Same size, same mtime, possibly the same coarse ctime: only the content tells.
        File.SetLastWriteTimeUtc(dir["a"], new DateTime(stamp.MtimeTicks, DateTimeKind.Utc));
        File.Copy(dir["a"], dir["b"], overwrite: true);
        Assert.False(stamp.Matches(dir["b"], out _));
        File.WriteAllText(dir["b"], "other");
        Assert.True(stamp.Matches(dir["b"], out var refreshed));
        Assert.Equal(stamp.Sha256, refreshed.Sha256);
    }

    [Fact]
    public void A_stamp_recorded_without_a_ctime_is_confirmed_by_content()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["f"], "abc");
        var info = new FileInfo(dir["f"]);
        var json = $$"""{"size":3,"mtime":{{info.LastWriteTimeUtc.Ticks}},"sha256":"{{FileStamp.Hash(dir["f"])}}"}""";
        var old = JsonSerializer.Deserialize<FileStamp>(json)!;
        Assert.Equal(0, old.CtimeTicks);
        Assert.True(old.Matches(dir["f"], out var current));
        Assert.Equal(old.Sha256, current.Sha256);
        Assert.Equal(FileMeta.Of(dir["f"])!.Value.Inode, current.Inode);

        var forged = JsonSerializer.Deserialize<FileStamp>(json.Replace(old.Sha256, new string('0', 64)))!;
        Assert.False(forged.Matches(dir["f"], out _));
    }

    [Fact]
    public void Refresh_gives_the_current_stamp_whatever_changed()
    {
        using var dir = new TempDir();
        var path = dir["f"];
        File.WriteAllText(path, "abc");
        var first = FileStamp.Refresh(null, path);
        Assert.Equal(FileStamp.Hash(path), first.Sha256);
        Assert.Equal(first.Sha256, FileStamp.Refresh(first, path).Sha256);

        File.WriteAllText(path, "abd");
        Assert.Equal(FileStamp.Hash(path), FileStamp.Refresh(first, path).Sha256);
        File.WriteAllText(path, "longer");
        var longer = FileStamp.Refresh(first, path);
        Assert.Equal((6L, FileStamp.Hash(path)), (longer.Size, longer.Sha256));
        File.Delete(path);
        Assert.Throws<FileNotFoundException>(() => FileStamp.Refresh(first, path));
    }
}
