using MetaLora.Cluster;

namespace MetaLora.Tests.Cluster;

/// <summary>Submission, waiting and resubmission against scripted client commands (no cluster).</summary>
public sealed class SlurmArrayTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Slurm's client commands as a script: each job's squeue answers in turn, then its sacct lines.</summary>
    private sealed class FakeSlurm : ISlurmCommands
    {
        public readonly List<string> Calls = [];
        public readonly Queue<string> JobIds = new();
        public readonly Dictionary<string, Queue<CommandResult>> Queue = [];
        public readonly Dictionary<string, string> Sacct = [];
        public bool Accounting = true;

        public CommandResult Run(string program, IReadOnlyList<string> args)
        {
            Calls.Add(program + " " + string.Join(' ', args));
            var j = args.ToList().IndexOf("-j");
            var job = j >= 0 ? args[j + 1] : "";
            return program switch
            {
                "sbatch" => new CommandResult(0, JobIds.Dequeue() + "\n", ""),
                "squeue" => Queue.TryGetValue(job, out var q) && q.Count > 0 ? q.Dequeue() : new CommandResult(0, "", ""),
                "sacct" => Accounting ? new CommandResult(0, Sacct.GetValueOrDefault(job, ""), "") : new CommandResult(1, "", "Slurm accounting storage is disabled"),
                "scontrol" => new CommandResult(1, "", "slurm_load_jobs error: Invalid job id specified"),
                _ => throw new InvalidOperationException(program),
            };
        }
    }

    private SlurmJobSpec Spec(int shards = 3) => new()
    {
        Shards = shards,
        Command = ["dotnet", "lora.dll", "infer", "--pipeline", "base"],
        Dir = _dir["slurm"],
        WorkingDir = _dir.Path,
    };

    [Fact]
    public void Reports_failed_shards_then_resubmits_only_them_then_submits_nothing()
    {
        var slurm = new FakeSlurm();
        var log = new List<string>();
        var array = new SlurmArray(slurm, log.Add, _ => { });
        var spec = Spec();

        slurm.JobIds.Enqueue("10");
        slurm.Queue["10"] = new([new(0, "0|RUNNING\n1|RUNNING\n2|PENDING\n", ""), new(0, "2|RUNNING\n", ""), new(0, "", "")]);
        slurm.Sacct["10"] = "10_0|COMPLETED|0:0\n10_1|FAILED|1:0\n10_2|TIMEOUT|0:0\n";
        var first = array.Submit(spec);
        Assert.False(first.Success);
        Assert.Equal([0], first.Completed);
        Assert.Equal([(1, "FAILED"), (2, "TIMEOUT")], first.Failed.Select(f => (f.Index, f.State)));
        Assert.Contains("sbatch --parsable " + spec.ScriptPath, slurm.Calls);
        Assert.Contains(log, l => l.StartsWith("Slurm job 10: 0/3 shards ended, 2 running, 1 pending"));
        Assert.Contains(log, l => l.StartsWith("Slurm job 10: 2/3 shards ended, 1 running, 0 pending"));
        Assert.Contains(log, l => l.StartsWith("Slurm job 10: 1 of 3 shards completed"));

        slurm.JobIds.Enqueue("11");
        slurm.Sacct["11"] = "11_1|COMPLETED|0:0\n11_2|COMPLETED|0:0\n";
        var second = array.Submit(spec);
        Assert.True(second.Success);
        Assert.Contains("sbatch --parsable --array=1-2 " + spec.ScriptPath, slurm.Calls);
        Assert.Contains("Slurm: 1 of 3 shards completed earlier; resubmitting 1-2", log);
        Assert.Equal(["10", "11"], second.Jobs);

        var calls = slurm.Calls.Count;
        var third = array.Submit(spec);
        Assert.True(third.Success);
        Assert.Equal(calls, slurm.Calls.Count);
        Assert.Contains("Slurm: all 3 shards completed (jobs 10, 11); nothing to submit", log);
    }

    [Fact]
    public void Without_accounting_the_exit_codes_the_script_wrote_decide()
    {
        var slurm = new FakeSlurm { Accounting = false };
        var spec = Spec(2);
        slurm.JobIds.Enqueue("7");
        var array = new SlurmArray(slurm, _ => { }, _ => { });
        SlurmArray.WriteScript(spec);
        File.WriteAllText(Path.Combine(spec.ExitDir, "7_0"), "0\n");
        File.WriteAllText(Path.Combine(spec.ExitDir, "7_1"), "3\n");
        var outcome = array.Submit(spec);
        Assert.Equal([0], outcome.Completed);
        Assert.Equal("FAILED exit 3:0", Assert.Single(outcome.Failed).ToString());
    }

    [Fact]
    public void A_rerun_waits_for_the_job_still_queued_instead_of_submitting_again()
    {
        var slurm = new FakeSlurm();
        var spec = Spec(2);
        slurm.JobIds.Enqueue("20");
        var log = new List<string>();
        new SlurmArray(slurm, log.Add, _ => { }).Submit(spec, wait: false);
        Assert.Single(slurm.Calls, c => c.StartsWith("sbatch"));

        slurm.Queue["20"] = new([new(0, "0|RUNNING\n1|RUNNING\n", "")]);
        slurm.Sacct["20"] = "20_0|COMPLETED|0:0\n20_1|COMPLETED|0:0\n";
        var outcome = new SlurmArray(slurm, log.Add, _ => { }).Submit(spec);
        Assert.True(outcome.Success);
        Assert.Single(slurm.Calls, c => c.StartsWith("sbatch"));
        Assert.Contains("Slurm job 20 (submitted earlier) has shards 0-1 unfinished; waiting for it", log);
    }

    [Fact]
    public void Another_command_starts_afresh()
    {
        var slurm = new FakeSlurm();
        var array = new SlurmArray(slurm, _ => { }, _ => { });
        slurm.JobIds.Enqueue("30");
        slurm.Sacct["30"] = "30_0|COMPLETED|0:0\n30_1|COMPLETED|0:0\n";
        Assert.True(array.Submit(Spec(2)).Success);
        slurm.JobIds.Enqueue("31");
        slurm.Sacct["31"] = "31_0|COMPLETED|0:0\n31_1|COMPLETED|0:0\n";
        var other = Spec(2) with { Command = ["dotnet", "lora.dll", "infer", "--pipeline", "finetuned"] };
        Assert.Equal(["31"], array.Submit(other).Jobs);
    }
}
