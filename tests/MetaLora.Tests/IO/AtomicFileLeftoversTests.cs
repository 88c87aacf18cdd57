using MetaLora.IO;
using MetaLora.Study;

namespace MetaLora.Tests.IO;

public sealed class AtomicFileLeftoversTests
{
    [Fact]
    public void The_sweep_removes_temporary_files_under_the_given_folders_only()
    {
        using var dir = new TempDir();
        var data = Path.Combine(dir.Path, "data");
        var results = Path.Combine(dir.Path, "results");
        Directory.CreateDirectory(Path.Combine(data, "tokens"));
        Directory.CreateDirectory(results);
        var killed = Path.Combine(data, "tokens", $".task1.npy{AtomicFile.TempMarker}123-abc");
        File.WriteAllText(killed, "half");
        var output = Path.Combine(data, "tokens", "task1.npy");
        File.WriteAllText(output, "done");
        // A sharded run sweeps only the data folder it holds alone: another shard may be writing into the results.
        var other = Path.Combine(results, $".task10.jsonl{AtomicFile.TempMarker}456-def");
        File.WriteAllText(other, "being written by another shard");
        var log = new StringWriter();

        Leftovers.RemoveUnder(log, data);

        Assert.False(File.Exists(killed));
        Assert.True(File.Exists(output));
        Assert.True(File.Exists(other));
        Assert.Equal($"removed 1 temporary file(s) an interrupted run left in {data}{Environment.NewLine}", log.ToString());
    }
}
