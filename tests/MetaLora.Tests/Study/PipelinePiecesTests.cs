using MetaLora.IO;
using MetaLora.Repro;
using MetaLora.Study;

namespace MetaLora.Tests.Study;

public sealed class PipelinePiecesTests
{
    [Fact]
    public void Mlp_version_runs_the_papers_width_with_the_sweep_unless_told_otherwise()
    {
        StageSpec Coefficients(params string[] args) =>
            new StageGraph(StudyOptions.FromCommandLine(["--target=Predict", "--model=mlp_version", .. args])).Stages.Single(s => s.Name == "Coefficients.KL.mlp_version");

        foreach (var bank in new[] { Array.Empty<string>(), ["--bank=lots-of-loras"], ["--bank-dir=somewhere"] })
        {
            var stage = Coefficients(bank);
            Assert.Equal("4000", stage.Params["mlp-hidden"]);
            Assert.Equal("sweep", stage.Params["mlp-engine"]);
            Assert.Contains("--mlp-engine sweep", string.Join(' ', stage.Command));
        }
        var dense = Coefficients("--mlp-engine=Dense", "--mlp-hidden=64");
        Assert.Equal("dense", dense.Params["mlp-engine"]);
        Assert.Contains("--mlp-hidden 64 --mlp-engine dense", string.Join(' ', dense.Command));
        Assert.Equal("dense", StudyOptions.FromCommandLine(["--mlp-engine=dense"]).Recorded()["mlp-engine"]);
        // Other models do not depend on the engine.
        Assert.DoesNotContain("mlp-engine", new StageGraph(StudyOptions.FromCommandLine(["--target=Predict"])).Stages.Single(s => s.Name == "Coefficients.KL.base_version").Params.Keys);

        var error = Assert.Throws<BadInputException>(() => StudyOptions.FromCommandLine(["--mlp-engine=fast"]));
        Assert.Equal("unknown mlp engine 'fast'; valid: sweep, dense", error.Message);
    }

    [Fact]
    public void Glob_matches_within_and_across_folders_sorted()
    {
        using var dir = new TempDir();
        foreach (var f in new[] { "a/x.npy", "a/y.npy", "a/z.txt", "a/b/w.npy", "c/d/e/v.npy" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(dir[f])!);
            File.WriteAllText(dir[f], f);
        }
        var root = dir.Path.Replace('\\', '/');
        Assert.Equal([$"{root}/a/x.npy", $"{root}/a/y.npy"], Glob.Expand($"{root}/a/*.npy"));
        Assert.Equal([$"{root}/a/b/w.npy", $"{root}/a/x.npy", $"{root}/a/y.npy", $"{root}/c/d/e/v.npy"], Glob.Expand($"{root}/**/*.npy"));
        Assert.Equal([$"{root}/a/b/w.npy"], Glob.Expand($"{root}/*/b/?.npy"));
        Assert.Equal([$"{root}/c/d/e/v.npy"], Glob.Expand($"{root}/c/**"));
        Assert.Empty(Glob.Expand($"{root}/nothing/*.npy"));
        Assert.Equal([$"{root}/a/z.txt"], Glob.Expand($"{root}/a/z.txt"));
    }

    [Fact]
    public void Glob_ignores_temporary_files_of_atomic_writes()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["x.npy"], "x");
        File.WriteAllText(dir[".x.npy" + AtomicFile.TempMarker + "1-abc"], "partial");
        Assert.Single(Glob.Expand(dir.Path + "/*"));
    }

    [Fact]
    public void Atomic_write_replaces_whole_and_leaves_no_temporary_on_failure()
    {
        using var dir = new TempDir();
        var path = dir["f.bin"];
        AtomicFile.WriteAllText(path, "old");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.Write("new-but-broken"u8);
            throw new InvalidOperationException("boom");
        }));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Stamp_detects_content_change_even_with_same_size_and_forged_mtime()
    {
        using var dir = new TempDir();
        var path = dir["f"];
        File.WriteAllText(path, "abc");
        var stamp = FileStamp.Take(path);
        File.WriteAllText(path, "abd");
        File.SetLastWriteTimeUtc(path, new DateTime(stamp.MtimeTicks, DateTimeKind.Utc).AddSeconds(1));
        Assert.False(stamp.Matches(path, out _));
        File.WriteAllText(path, "abc");
        Assert.True(stamp.Matches(path, out var refreshed));
        Assert.Equal(stamp.Sha256, refreshed.Sha256);
        Assert.NotEqual(stamp.MtimeTicks, refreshed.MtimeTicks);
    }

    [Fact]
    public void Ledger_keeps_items_whose_key_and_output_hold()
    {
        using var dir = new TempDir();
        var ledger = new ItemLedger(dir["items"]);
        var output = dir["t.npy"];
        File.WriteAllText(output, "tokens");
        Assert.False(ledger.IsDone("t", "k1", output));
        ledger.MarkDone("t", "k1", output);
        Assert.True(ledger.IsDone("t", "k1", output));
        Assert.False(ledger.IsDone("t", "k2", output));
        File.WriteAllText(output, "other!");
        Assert.False(ledger.IsDone("t", "k1", output));
        File.Delete(output);
        Assert.False(ledger.IsDone("t", "k1", output));
    }

    [Fact]
    public void Second_lock_on_a_data_folder_fails_with_the_holder_and_frees_on_dispose()
    {
        using var dir = new TempDir();
        using (DataFolderLock.Acquire(dir.Path))
        {
            var e = Assert.Throws<BadInputException>(() => DataFolderLock.Acquire(dir.Path));
            Assert.Contains($"pid {Environment.ProcessId}", e.Message);
            Assert.Contains(".lock", e.Message);
        }
        using (DataFolderLock.Acquire(dir.Path)) { }
    }

    [Fact]
    public void Parallel_items_report_the_first_failure_in_list_order()
    {
        var items = Enumerable.Range(0, 200).ToList();
        var e = Assert.Throws<BadInputException>(() => ParallelItems.ForEach(items, i =>
        {
            if (i % 50 == 7) throw new BadInputException($"item {i}");
        }));
        Assert.Equal("item 7", e.Message);
    }
}
