using MetaLora.Study;


namespace MetaLora.Tests.Study;

/// <summary>
/// The folder locks of sharded runs: shards share a folder with each other, never with a run that
/// holds it alone, and wait for each other's turn at the stages before Infer. File locks belong to
/// open files, so one process shows what two would.
/// </summary>
public sealed class ShardLockTests
{
    [Fact]
    public void Shards_share_a_folder_with_each_other_but_not_with_a_run_that_holds_it_alone()
    {
        using var dir = new TempDir();
        using (DataFolderLock.AcquireShared(dir.Path))
        using (DataFolderLock.AcquireShared(dir.Path))
        {
            var e = Assert.Throws<BadInputException>(() => DataFolderLock.Acquire(dir.Path));
            Assert.Equal($"{Path.Combine(dir.Path, ".lock")}: sharded Infer runs (--shard) are using data folder {dir.Path}; wait for every shard to finish, then run without --shard", e.Message);
            Assert.Null(DataFolderLock.TryAcquire(dir.Path));
        }
        using (DataFolderLock.AcquireResults(dir.Path))
        {
            var e = Assert.Throws<BadInputException>(() => DataFolderLock.AcquireSharedResults(dir.Path));
            Assert.Equal($"{Path.Combine(dir.Path, ".results.lock")}: another pipeline (pid {Environment.ProcessId}) is using results folder {dir.Path} on its own, " +
                         "which sharded runs (--shard) cannot share; wait for it to finish or stop it", e.Message);
        }
        using (var alone = DataFolderLock.TryAcquire(dir.Path))
        {
            Assert.NotNull(alone);
            Assert.Contains($"pid {Environment.ProcessId}", Assert.Throws<BadInputException>(() => DataFolderLock.AcquireShared(dir.Path)).Message);
        }
        // Released: a whole run takes the folder again.
        using (DataFolderLock.Acquire(dir.Path)) { }
    }

    [Fact]
    public async Task A_shard_waits_for_another_shards_turn_at_the_stages_before_infer()
    {
        using var dir = new TempDir();
        var messages = new List<string>();
        var first = DataFolderLock.AcquirePreparation(dir.Path, messages.Add);
        var second = Task.Run(() => DataFolderLock.AcquirePreparation(dir.Path, m => { lock (messages) messages.Add(m); }));
        await Task.Delay(1500);
        Assert.False(second.IsCompleted, "the second shard did not wait");
        first.Dispose();
        (await second.WaitAsync(TimeSpan.FromSeconds(30))).Dispose();
        Assert.Equal([$"waiting for the sharded run with pid {Environment.ProcessId}, which is checking or running the stages before Infer in {dir.Path}"], messages);
    }

    [Theory]
    [InlineData("--target=Report --shard=0/2", "--shard=0/2 runs one shard of Infer: use --target=Infer, and once every shard has finished run --target=Report without --shard")]
    [InlineData("--shard=1/3", "--shard=1/3 runs one shard of Infer: use --target=Infer, and once every shard has finished run --target=Distances without --shard")]
    [InlineData("--target=Infer --shard=1/3 --force", "--shard=1/3 cannot be combined with --force: force stages in a run without --shard (lora infer --shard i/n --force regenerates one shard's tasks)")]
    public void A_sharded_run_is_an_infer_run_without_force(string arguments, string message)
    {
        var e = Assert.Throws<BadInputException>(() => StudyOptions.FromCommandLine(arguments.Split(' ')));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void One_shard_of_one_is_a_run_without_shards()
    {
        var study = StudyOptions.FromCommandLine(["--target=Report", "--shard=0/1"]);
        Assert.Null(study.Shard);
        Assert.DoesNotContain(new StageGraph(study).Stages, s => s.Command.Contains("--shard"));
        var sharded = StudyOptions.FromCommandLine(["--target=Infer", "--shard=1/2"]);
        Assert.Equal("1/2", sharded.Shard);
        Assert.Null(sharded.Unsharded.Shard);
    }
}
