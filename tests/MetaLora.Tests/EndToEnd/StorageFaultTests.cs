using System.Security.Cryptography;
using MetaLora.Tests.Support;
using MetaLora.IO;

namespace MetaLora.Tests.EndToEnd;

/// <summary>
/// A full disk (a small tmpfs) and a read-only folder (a read-only bind mount), through the real
/// tool: one line naming the folder and the problem, exit code 2, nothing already there changed
/// and no half-written file left.
/// </summary>
public sealed class StorageFaultTests : IDisposable
{
    private readonly TempDir _work = new();

    public void Dispose() => _work.Dispose();

    private static Dictionary<string, string> Contents(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => !Path.GetFileName(f).StartsWith(".lock", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(root, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    private static void AssertNoPartialFiles(string root) =>
        Assert.Empty(Directory.EnumerateFiles(root, "*" + AtomicFile.TempMarker + "*", SearchOption.AllDirectories));

    [MountFact]
    public void A_full_disk_under_the_data_folder_is_one_line_with_the_space_needed_and_exit_code_2()
    {
        var bank = _work["bank"];
        FixtureBank.Create(bank, tasks: 12, samples: 1500, wordsPerInput: 30);
        var data = _work["data"];
        using (Mounts.Tmpfs(data, "1m"))
        {
            File.WriteAllText(Path.Combine(data, "notes.txt"), "kept\n");
            var before = Contents(data);

            var result = ToolProcess.Lora(_work.Path, "tokenize", $"--bank-dir={bank}", $"--data-dir={data}");

            Assert.True(result.ExitCode == 2, result.Output);
            var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length == 1, "expected one line on stderr:\n" + result.Stderr);
            Assert.StartsWith($"error: {data}/", lines[0]);
            Assert.Contains("cannot write: no space left on the device (writing ", lines[0]);
            Assert.Contains(" free)", lines[0]);
            Assert.Equal("kept\n", File.ReadAllText(Path.Combine(data, "notes.txt")));
            Assert.All(before, f => Assert.Equal(f.Value, Contents(data)[f.Key]));
            AssertNoPartialFiles(data);
        }
    }

    [MountFact]
    public void A_read_only_data_folder_is_one_line_naming_it_and_nothing_changes()
    {
        var bank = _work["bank"];
        FixtureBank.Create(bank, tasks: 4, samples: 8);
        var data = _work["data"];
        var first = ToolProcess.Lora(_work.Path, "tokenize", $"--bank-dir={bank}", $"--data-dir={data}");
        Assert.True(first.ExitCode == 0, first.Output);
        var before = Contents(data);

        using (Mounts.ReadOnly(data))
        {
            var result = ToolProcess.Lora(_work.Path, "distances", "--metric=KL", $"--bank-dir={bank}", $"--data-dir={data}");
            Assert.True(result.ExitCode == 2, result.Output);
            var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length == 1, "expected one line on stderr:\n" + result.Stderr);
            Assert.Equal($"error: {data}: cannot write: the file system is read-only; nothing was changed there by the failed write", lines[0]);
        }
        Assert.Equal(before, Contents(data));
    }

    [MountFact]
    public void A_write_into_a_read_only_folder_leaves_the_file_as_it_was()
    {
        var dir = _work["tables"];
        var table = _work.Write("tables/rougeL_results.csv", "task,base\nt1,0.5\n");
        using (Mounts.ReadOnly(dir))
        {
            var e = Assert.Throws<BadInputException>(() => AtomicFile.WriteAllText(table, "task,base\nt1,0.7\n"));
            Assert.Equal($"{dir}: cannot write: the file system is read-only; nothing was changed there by the failed write", e.Message);
        }
        Assert.Equal("task,base\nt1,0.5\n", File.ReadAllText(table));
        AssertNoPartialFiles(dir);
    }

    [MountFact]
    public void A_full_disk_during_a_streamed_write_removes_the_temporary_file()
    {
        var dir = _work["small"];
        using (Mounts.Tmpfs(dir, "256k"))
        {
            var target = Path.Combine(dir, "big.bin");
            var e = Assert.Throws<BadInputException>(() => AtomicFile.Write(target, s =>
            {
                var block = new byte[64 << 10];
                for (var i = 0; i < 16; i++) s.Write(block);
            }));
            Assert.StartsWith($"{dir}: cannot write: no space left on the device", e.Message);
            Assert.False(File.Exists(target));
            AssertNoPartialFiles(dir);
        }
    }
}
