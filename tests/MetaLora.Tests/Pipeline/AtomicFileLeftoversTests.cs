using MetaLora.Tests.Support;
using MetaLora.IO;

namespace MetaLora.Tests.Pipeline;

public sealed class AtomicFileLeftoversTests
{
    [Fact]
    public void Removing_one_files_leftovers_spares_other_writers_temporary_files()
    {
        using var dir = new TempDir();
        var mine = dir.Write($".task1.jsonl{AtomicFile.TempMarker}123-abc", "half");
        var other = dir.Write($".task10.jsonl{AtomicFile.TempMarker}456-def", "being written by another shard");
        var output = dir.Write("task1.jsonl", "done");

        AtomicFile.RemoveLeftovers(dir.Path, "task1.jsonl");

        Assert.False(File.Exists(mine));
        Assert.True(File.Exists(other));
        Assert.True(File.Exists(output));
    }
}
