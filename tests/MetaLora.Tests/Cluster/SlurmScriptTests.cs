using MetaLora.Cluster;

namespace MetaLora.Tests.Cluster;

public sealed class SlurmScriptTests
{
    private static SlurmJobSpec Spec(int shards = 3) => new()
    {
        Shards = shards,
        Command = ["/opt/dotnet/dotnet", "/shared/tool/lora.dll", "infer", "--pipeline", "base,KL_base_version", "--bank-dir", "/shared/my bank"],
        Dir = "/shared/results/slurm",
        WorkingDir = "/shared/repo",
    };

    [Fact]
    public void Renders_an_array_script_with_one_task_per_shard()
    {
        const string Expected = """
            #!/bin/bash
            # Infer on Slurm: array task i runs shard i of 3. Written by `lora slurm submit`; a rerun
            # resubmits only the shards that did not complete (sbatch --array=<those> this script).
            #SBATCH --job-name=lora-infer
            #SBATCH --array=0-2
            #SBATCH --output=/shared/results/slurm/logs/infer-%a.out
            #SBATCH --chdir=/shared/repo
            set -u
            shard=$SLURM_ARRAY_TASK_ID
            echo "shard $shard/3 on $(hostname), job ${SLURM_ARRAY_JOB_ID}_$shard"
            /opt/dotnet/dotnet /shared/tool/lora.dll infer --pipeline base,KL_base_version --bank-dir '/shared/my bank' --shard "$shard/3"
            rc=$?
            mkdir -p /shared/results/slurm/exit && echo "$rc" > /shared/results/slurm/exit/"${SLURM_ARRAY_JOB_ID}_$shard"
            exit "$rc"

            """;
        Assert.Equal(Expected.Replace("\r", ""), SlurmScript.Render(Spec()));
        Assert.Equal(SlurmScript.Render(Spec()), SlurmScript.Render(Spec()));
    }

    [Fact]
    public void Resources_become_sbatch_lines_only_when_given()
    {
        var text = SlurmScript.Render(Spec(1) with { Partition = "gpu", Gres = "gpu:1", Time = "04:00:00", Account = "lab", CpusPerTask = 8, Mem = "32G", JobName = "x" });
        string[] lines = ["#SBATCH --job-name=x", "#SBATCH --array=0-0", "#SBATCH --partition=gpu", "#SBATCH --account=lab", "#SBATCH --gres=gpu:1",
                          "#SBATCH --time=04:00:00", "#SBATCH --cpus-per-task=8", "#SBATCH --mem=32G"];
        foreach (var line in lines) Assert.Contains(line + "\n", text);
        Assert.DoesNotContain("srun", text);
        Assert.DoesNotContain("--partition", SlurmScript.Render(Spec()));
    }

    [Fact]
    public void Zero_shards_is_bad_input()
    {
        var e = Assert.Throws<BadInputException>(() => SlurmScript.Render(Spec(0)));
        Assert.Equal("--shards=0: expected a whole number >= 1", e.Message);
    }

    [Theory]
    [InlineData("plain/path-1.0", "plain/path-1.0")]
    [InlineData("two words", "'two words'")]
    [InlineData("it's", "'it'\\''s'")]
    [InlineData("", "''")]
    [InlineData("$HOME", "'$HOME'")]
    public void Quotes_shell_words(string word, string quoted) => Assert.Equal(quoted, SlurmScript.Quote(word));

    [Theory]
    [InlineData(new[] { 1, 3 }, "1,3")]
    [InlineData(new[] { 0, 1, 2, 5, 7, 8 }, "0-2,5,7-8")]
    [InlineData(new[] { 4 }, "4")]
    public void Collapses_array_indices(int[] indices, string expected) => Assert.Equal(expected, SlurmScript.ArrayList(indices));
}

public sealed class SlurmStatesTests
{
    [Fact]
    public void Parses_squeue_lines_and_unsplit_pending_ranges()
    {
        var states = SlurmStates.ParseSqueue("0|RUNNING\n2-4|PENDING\n\n");
        Assert.Equal([(0, "RUNNING"), (2, "PENDING"), (3, "PENDING"), (4, "PENDING")], states.Select(s => (s.Index, s.State)));
    }

    [Fact]
    public void Parses_sacct_states_keeping_only_the_jobs_tasks()
    {
        const string Text = "12_0|COMPLETED|0:0\n12_1|FAILED|1:0\n12_2|CANCELLED by 0|0:15\n12_3|TIMEOUT|0:0\n12_4|OUT_OF_MEMORY|0:125\n"
                            + "12_5|NODE_FAIL|0:0\n12_[6-7]|PENDING|0:0\n120_1|COMPLETED|0:0\n12_1|COMPLETED|0:0\n";
        var states = SlurmStates.ParseSacct(Text, "12").ToDictionary(s => s.Index);
        Assert.Equal(8, states.Count);
        Assert.Equal("COMPLETED", states[0].State);
        Assert.Equal("COMPLETED", states[1].State); // requeued: the last line wins
        Assert.Equal("CANCELLED", states[2].State);
        Assert.Equal("0:15", states[2].ExitCode);
        Assert.Equal(["TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL", "PENDING", "PENDING"], new[] { 3, 4, 5, 6, 7 }.Select(i => states[i].State));
        Assert.True(states[4].IsDone);
        Assert.False(states[4].IsSuccess);
        Assert.False(states[6].IsDone);
        Assert.Equal("OUT_OF_MEMORY exit 0:125", states[4].ToString());
    }

    [Fact]
    public void Parses_scontrol_records()
    {
        const string Text = """
            JobId=3 ArrayJobId=1 ArrayTaskId=1 JobName=t
               JobState=FAILED Reason=NonZeroExitCode Dependency=(null)
               Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=1:0

            JobId=2 ArrayJobId=1 ArrayTaskId=0 JobName=t
               JobState=COMPLETED Reason=None Dependency=(null)
               Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0
            """;
        var states = SlurmStates.ParseScontrol(Text).OrderBy(s => s.Index).ToList();
        Assert.Equal([(0, "COMPLETED", "0:0"), (1, "FAILED", "1:0")], states.Select(s => (s.Index, s.State, s.ExitCode!)));
    }

    [Theory]
    [InlineData("CD", "COMPLETED")]
    [InlineData("F", "FAILED")]
    [InlineData("TO", "TIMEOUT")]
    [InlineData("OOM", "OUT_OF_MEMORY")]
    [InlineData("NF", "NODE_FAIL")]
    [InlineData("CANCELLED+", "CANCELLED")]
    [InlineData("running", "RUNNING")]
    public void Normalizes_state_names(string raw, string state) => Assert.Equal(state, SlurmStates.Normalize(raw));

    [Theory]
    [InlineData("1-7:2", new[] { 1, 3, 5, 7 })]
    [InlineData("[0-3%2]", new[] { 0, 1, 2, 3 })]
    [InlineData("0,2,4-5", new[] { 0, 2, 4, 5 })]
    public void Expands_array_index_expressions(string text, int[] indices) => Assert.Equal(indices, SlurmStates.ExpandIndices(text));

    [Fact]
    public void Reads_the_job_id_sbatch_parsable_prints()
    {
        Assert.Equal("42", SlurmStates.ParseJobId("42\n"));
        Assert.Equal("43", SlurmStates.ParseJobId("43;cluster\n"));
        Assert.Throws<BadInputException>(() => SlurmStates.ParseJobId("sbatch: error: nope"));
    }
}
