using MetaLora.Bank;
using MetaLora.Tests.Support;

namespace MetaLora.Tests.EndToEnd;

/// <summary>
/// Infer as a Slurm array job on a real cluster (<c>.ci/slurm-local.sh start</c> runs one on this
/// machine): the build script's --executor=slurm path against a local run of the same stages, and
/// the resubmission of a failed shard. Skipped, saying why, where no cluster answers.
/// </summary>
[Collection(BuildScriptCollection.Name)]
public sealed class SlurmClusterTests(RepoFixture repo) : IDisposable
{
    private readonly TempDir _work = new();

    public void Dispose() => _work.Dispose();

    private ProcessResult BuildSh(params string[] args) =>
        ToolProcess.Run("bash", repo.Copy.Root, ["build.sh", .. args], TimeSpan.FromMinutes(10), LocalSlurm.ClientEnvironment);

    private ProcessResult Lora(params string[] args) =>
        ToolProcess.Run("dotnet", repo.Copy.Root, [Path.Combine(repo.Copy.Root, ".build", "tool", "lora.dll"), .. args], TimeSpan.FromMinutes(10), LocalSlurm.ClientEnvironment);

    private static SortedDictionary<string, byte[]> Outputs(string results)
    {
        var dir = Path.Combine(results, "models_generated_outputs");
        return new(Directory.EnumerateFiles(dir, "*.jsonl", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(dir, f), File.ReadAllBytes), StringComparer.Ordinal);
    }

    /// <summary>The shards' logs, for a failure message (the temp folder goes with the test).</summary>
    private static string ShardLogs(string results)
    {
        var logs = Path.Combine(results, "slurm", "logs");
        return Directory.Exists(logs)
            ? string.Concat(Directory.EnumerateFiles(logs).Order(StringComparer.Ordinal).Select(f => $"\n--- {f}\n{File.ReadAllText(f)}"))
            : "";
    }

    [SlurmFact]
    public void Infer_through_slurm_gives_the_local_runs_bytes_and_a_failed_shard_is_resubmitted_alone()
    {
        var data = _work["data"];
        string[] common = ["--bank-profile=tiny", "--metric=KL", "--model=base_version", $"--data-dir={data}"];

        var local = BuildSh(["--target=Infer", .. common, $"--results-dir={_work["local"]}"]);
        Assert.True(local.ExitCode == 0, local.Output);

        // The dry run only writes the script.
        var dry = BuildSh(["--target=Evaluate", "--executor=slurm", "--shards=3", "--slurm-dry-run", "--slurm-time=00:20:00", .. common, $"--results-dir={_work["dry"]}"]);
        Assert.True(dry.ExitCode == 0, dry.Output);
        Assert.Contains("nothing submitted", dry.Stdout);
        var script = File.ReadAllText(Path.Combine(_work["dry"], "slurm", "infer.sbatch"));
        Assert.Contains("#SBATCH --array=0-2\n", script);
        Assert.Contains("#SBATCH --time=00:20:00\n", script);
        Assert.False(File.Exists(Path.Combine(_work["dry"], "slurm", "state.json")));
        Assert.False(Directory.Exists(Path.Combine(_work["dry"], "models_generated_outputs")));

        // Three shards on the cluster, then the local Infer stages only record them, then Evaluate.
        var cluster = _work["cluster"];
        var slurm = BuildSh(["--target=Evaluate", "--executor=slurm", "--shards=3", .. common, $"--results-dir={cluster}"]);
        Assert.True(slurm.ExitCode == 0, slurm.Output + ShardLogs(cluster));
        Assert.Contains("Slurm: submitted job", slurm.Stdout);
        Assert.Contains("3 of 3 shards completed", slurm.Stdout);
        // The data folder's manifests recorded the local run's outputs relative to its results
        // folder; the shards wrote the same bytes into this one, so the Infer stages are up to date.
        foreach (var pipeline in new[] { "base", "finetuned", "KL_base_version" })
            Assert.Contains($"Infer.{pipeline}: up to date", slurm.Stdout);
        Assert.True(File.Exists(Path.Combine(cluster, "summary.md")), slurm.Output);
        for (var i = 0; i < 3; i++)
            Assert.Contains($"shard {i}/3 on ", File.ReadAllText(Path.Combine(cluster, "slurm", "logs", $"infer-{i}.out")));
        var expected = Outputs(_work["local"]);
        Assert.Equal(3 * 6, expected.Count);
        Assert.Equal(expected, Outputs(cluster));

        var again = BuildSh(["--target=Evaluate", "--executor=slurm", "--shards=3", .. common, $"--results-dir={cluster}"]);
        Assert.True(again.ExitCode == 0, again.Output);
        Assert.Contains("Slurm: all 3 shards completed (job ", again.Stdout);
        Assert.DoesNotContain("Slurm: submitted job", again.Stdout);

        // Shard 1 (tasks 1 and 4) fails without task 1's predicted adapter; put back, only it is resubmitted.
        var bank = BankInfo.Load(Path.Combine(data, "embedded"));
        var adapter = Path.Combine(data, "predicted_adapters", "KL", "base_version", bank.Tasks[1]);
        var hidden = adapter + ".hidden";
        var broken = _work["broken"];
        string[] submit = ["slurm", "submit", "--pipeline", "KL_base_version", "--bank-dir", Path.Combine(data, "embedded"), "--data-dir", data,
                           "--results-dir", broken, "--max-new-tokens", "48", "--shards", "3"];
        Directory.Move(adapter, hidden);
        ProcessResult failed;
        try { failed = Lora(submit); }
        finally { Directory.Move(hidden, adapter); }
        Assert.True(failed.ExitCode == 1, failed.Output);
        Assert.Contains("error: 1 of 3 Slurm shards did not complete: shard 1: FAILED exit ", failed.Stderr);
        Assert.Contains(Path.Combine(broken, "slurm", "logs", "infer-1.out"), failed.Stderr);

        var resubmitted = Lora(submit);
        Assert.True(resubmitted.ExitCode == 0, resubmitted.Output + ShardLogs(broken));
        Assert.Contains("Slurm: 2 of 3 shards completed earlier; resubmitting 1", resubmitted.Stdout);
        Assert.Contains("1 of 1 shards completed", resubmitted.Stdout);
        Assert.Equal(expected.Where(kv => kv.Key.StartsWith("KL_base_version")), Outputs(broken));

        var status = Lora(["slurm", "status", .. submit[2..]]);
        Assert.True(status.ExitCode == 0, status.Output);
        Assert.Contains("shard 1/3: COMPLETED (job ", status.Stdout);
    }

    [Fact]
    public void Dry_run_writes_only_the_script_and_bad_values_fail_in_one_line()
    {
        var bank = _work["bank"];
        FixtureBank.Create(bank, tasks: 3);
        var results = _work["results"];
        string[] args = ["slurm", "submit", "--pipeline", "base", "--bank-dir", bank, "--data-dir", _work["data"], "--results-dir", results, "--shards", "2"];
        var dry = ToolProcess.Lora(_work.Path, [.. args, "--gres", "gpu:1", "--partition", "gpu", "--dry-run"]);
        Assert.True(dry.ExitCode == 0, dry.Output);
        var script = Path.Combine(results, "slurm", "infer.sbatch");
        Assert.Equal($"Slurm dry run: wrote {script} (2 shards); nothing submitted. Submit with: sbatch {script}\n", dry.Stdout);
        var text = File.ReadAllText(script);
        Assert.Contains("#SBATCH --partition=gpu\n", text);
        Assert.Contains("#SBATCH --gres=gpu:1\n", text);
        Assert.Contains($" infer --pipeline base --bank-dir {bank} ", text);
        Assert.Contains("--shard \"$shard/2\"\n", text);
        Assert.False(File.Exists(Path.Combine(results, "slurm", "state.json")));

        var zero = ToolProcess.Lora(_work.Path, [.. args[..^2], "--shards", "0", "--dry-run"]);
        Assert.Equal(2, zero.ExitCode);
        Assert.Equal("error: --shards=0: expected a whole number >= 1\n", zero.Stderr);
        var spaced = ToolProcess.Lora(_work.Path, [.. args, "--partition", "a b", "--dry-run"]);
        Assert.Equal(2, spaced.ExitCode);
        Assert.Equal("error: --partition='a b': expected one word without spaces\n", spaced.Stderr);
    }

    [Theory]
    [InlineData("--executor=pbs", "unknown executor 'pbs'; valid: local, slurm")]
    [InlineData("--shards=3", "--shards, --slurm-* and --slurm-dry-run need --executor=slurm")]
    [InlineData("--executor=slurm --shards=x", "--shards=x: expected a whole number >= 1")]
    [InlineData("--executor=slurm --shard=0/2", "--shard runs one shard here; with --executor=slurm give the number of shards with --shards")]
    public void Bad_executor_arguments_fail_at_once(string arguments, string message)
    {
        var result = repo.Copy.BuildSh(["--target=Evaluate", $"--data-dir={_work["data"]}", .. arguments.Split(' ')]);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(message, result.Stderr);
    }
}
