using System.Security.Cryptography;
using MetaLora.Tests.Support;

namespace MetaLora.Tests.EndToEnd;

/// <summary>
/// Sharded runs of the real build.sh on the tiny embedded study: two shards started at the same time
/// on one data and one results folder (as machines sharing them would), then one run without shards.
/// </summary>
[Collection(BuildScriptCollection.Name)]
public sealed class ShardedRunTests(RepoFixture repo) : IDisposable
{
    private readonly TempDir _work = new();

    public void Dispose() => _work.Dispose();

    private static readonly string[] Study = ["--bank-profile=tiny", "--metric=KL", "--model=base_version", "--max-new-tokens=8"];
    private static readonly string[] Pipelines = ["base", "finetuned", "KL_base_version"];

    private static string[] Folders(string root) => [$"--data-dir={Path.Combine(root, "data")}", $"--results-dir={Path.Combine(root, "results")}"];

    /// <summary>Every file a study wrote, by content; the stage records, item records and locks (dot folders and files) are not results.</summary>
    private static SortedDictionary<string, string> Files(string root)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(root, file);
            if (relative.Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.'))) continue;
            files[relative.Replace('\\', '/')] = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file)));
        }
        return files;
    }

    private sealed record Timed(ProcessResult Result, DateTime Start, DateTime End);

    /// <summary>Starts build.sh and collects its output without waiting for it.</summary>
    private Task<Timed> Start(params string[] args)
    {
        var start = DateTime.UtcNow;
        var process = ToolProcess.Start("bash", repo.Copy.Root, ["build.sh", .. args]);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        return Task.Run(async () =>
        {
            using (process)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
                try { await process.WaitForExitAsync(timeout.Token); }
                catch (OperationCanceledException)
                {
                    process.Kill(entireProcessTree: true);
                    throw new TimeoutException($"build.sh {string.Join(' ', args)} did not finish in time");
                }
                return new Timed(new ProcessResult(process.ExitCode, await stdout, await stderr), start, DateTime.UtcNow);
            }
        });
    }

    [Fact]
    public async Task Two_shards_at_once_on_shared_folders_then_a_run_without_shards_give_the_bytes_of_a_run_without_shards()
    {
        // The reference: one run without shards (which also builds the tool and compiles the script,
        // so the shards below start at once).
        var reference = repo.Copy.BuildSh(["--target=Evaluate", .. Study, .. Folders(_work["reference"])]);
        Assert.True(reference.ExitCode == 0, reference.Output);

        // Two shards at once on empty shared folders: one brings the stages before Infer up to date
        // alone, the other waits for it or finds them so; both generate their own tasks.
        var shared = _work["shared"];
        var shards = await Task.WhenAll(
            Start(["--target=Infer", "--shard=0/2", .. Study, .. Folders(shared)]),
            Start(["--target=Infer", "--shard=1/2", .. Study, .. Folders(shared)]));
        var timeline = string.Join("\n", shards.Select((s, i) => $"--- shard {i}/2, {s.Start:HH:mm:ss.fff} to {s.End:HH:mm:ss.fff}, exit {s.Result.ExitCode}\n{s.Result.Output}"));
        Assert.True(shards.All(s => s.Result.ExitCode == 0), timeline);
        for (var i = 0; i < 2; i++)
            foreach (var pipeline in Pipelines)
                Assert.True(shards[i].Result.Stdout.Contains($"Infer.{pipeline}: 3 of 3 tasks generated (shard {i}/2"), timeline);
        Assert.Single(shards, s => s.Result.Stdout.Contains("Bank.embedded: running"));

        // What a run without shards would do: Infer is not recorded yet, and a shard would only fill its tasks.
        var dry = repo.Copy.BuildSh(["--target=Infer", "--shard=0/2", .. Study, .. Folders(shared), "--dryrun"]);
        Assert.True(dry.ExitCode == 0, dry.Output);
        Assert.Contains("Predict.KL.base_version: up to date", dry.Stdout);
        Assert.Contains("Infer.base: out of date (no record of a previous run); shard 0/2 would generate its tasks not yet done, and record nothing for the stage (a run without --shard does)", dry.Stdout);
        Assert.Contains("sharded run (--shard=0/2): it runs stages out of date before Infer only when no other shard is using data folder", dry.Stdout);

        // The run without shards finds every task done, records Infer, evaluates, and ends with the reference's bytes.
        var whole = repo.Copy.BuildSh(["--target=Evaluate", .. Study, .. Folders(shared)]);
        Assert.True(whole.ExitCode == 0, timeline + "\n--- whole\n" + whole.Output);
        foreach (var stage in new[] { "Bank.embedded", "Tokenize", "Distances.KL", "Coefficients.KL.base_version", "Predict.KL.base_version" })
            Assert.Contains($"{stage}: up to date", whole.Stdout);
        foreach (var pipeline in Pipelines)
            Assert.Contains($"Infer.{pipeline}: 0 of 6 tasks generated (0 samples), 6 up to date", whole.Stdout);
        Assert.Equal(Files(_work["reference"]), Files(shared));

        // Recorded: a shard now has nothing to do.
        var after = repo.Copy.BuildSh(["--target=Infer", "--shard=1/2", .. Study, .. Folders(shared)]);
        Assert.True(after.ExitCode == 0, after.Output);
        foreach (var pipeline in Pipelines)
            Assert.Contains($"Infer.{pipeline}: up to date", after.Stdout);
    }
}
