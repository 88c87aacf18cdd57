using MetaLora.Serving;

namespace MetaLora.Tests.Serving;

/// <summary><see cref="RealPath"/> resolves as the file system does, which is what keeps adapter loads inside their folders.</summary>
public sealed class RealPathTests : IDisposable
{
    private readonly TempDir _work = new();

    [Fact]
    public void Links_are_followed_and_dot_dot_is_taken_after_them()
    {
        var root = RealPath.Resolve(_work.Path).Path;
        var inside = Directory.CreateDirectory(Path.Combine(root, "allowed", "a")).FullName;
        var elsewhere = Directory.CreateDirectory(Path.Combine(root, "elsewhere", "deep")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(root, "allowed", "out"), elsewhere);
        Directory.CreateSymbolicLink(Path.Combine(root, "allowed", "relative"), "a");

        // The kernel does not walk through a missing folder: neither does RealPath, though it still names the place.
        Assert.Equal((inside, false), RealPath.Resolve(Path.Combine(root, "allowed", "x", "..", "a")));
        Assert.Equal((elsewhere, true), RealPath.Resolve(Path.Combine(root, "allowed", "out")));
        // By text, allowed/out/.. is allowed; on disk it is the link target's parent.
        Assert.Equal((Path.Combine(root, "elsewhere"), true), RealPath.Resolve(Path.Combine(root, "allowed", "out", "..")));
        Assert.Equal((inside, true), RealPath.Resolve(Path.Combine(root, "allowed", "relative")));
        Assert.Equal((Path.Combine(root, "allowed", "missing", "x"), false), RealPath.Resolve(Path.Combine(root, "allowed", "missing", "x")));
    }

    [Fact]
    public void A_link_loop_counts_as_missing_and_IsWithin_compares_whole_folder_names()
    {
        var root = RealPath.Resolve(_work.Path).Path;
        File.CreateSymbolicLink(Path.Combine(root, "loop1"), Path.Combine(root, "loop2"));
        File.CreateSymbolicLink(Path.Combine(root, "loop2"), Path.Combine(root, "loop1"));
        Assert.False(RealPath.Resolve(Path.Combine(root, "loop1")).Exists);

        Assert.True(RealPath.IsWithin("/data/allowed", "/data/allowed"));
        Assert.True(RealPath.IsWithin("/data/allowed/x/y", "/data/allowed/"));
        Assert.False(RealPath.IsWithin("/data/allowed-not", "/data/allowed"));
        Assert.False(RealPath.IsWithin("/data", "/data/allowed"));
        Assert.True(RealPath.IsWithin("/etc", "/"));
    }

    public void Dispose() => _work.Dispose();
}
