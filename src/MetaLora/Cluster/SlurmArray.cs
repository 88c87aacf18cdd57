using System.Diagnostics;
using MetaLora.IO;

namespace MetaLora.Cluster;

/// <summary>
/// Runs a <see cref="SlurmJobSpec"/> on Slurm itself: writes the array script, submits the shards that
/// have not completed (<c>sbatch --parsable [--array=1,3]</c>), waits while <c>squeue</c> lists them
/// (a progress line when the counts change, at least once a minute), then reads each shard's final
/// state from <c>sacct</c>, else <c>scontrol show job</c>, else the exit code the script wrote
/// (clusters without accounting). The state file makes a rerun attach to a job still running and
/// resubmit only failed or missing shards.
/// </summary>
internal sealed class SlurmArray(ISlurmCommands slurm, Action<string> log, Action<TimeSpan>? sleep = null)
{
    private readonly Action<TimeSpan> _sleep = sleep ?? Thread.Sleep;

    /// <summary>Consecutive squeue failures (a controller restarting) tolerated before giving up.</summary>
    private const int SqueueRetries = 10;

    /// <summary>Writes the script (and its folders) and returns its text.</summary>
    public static string WriteScript(SlurmJobSpec spec)
    {
        var script = SlurmScript.Render(spec);
        Directory.CreateDirectory(spec.LogsDir);
        Directory.CreateDirectory(spec.ExitDir);
        AtomicFile.WriteAllText(spec.ScriptPath, script);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(spec.ScriptPath, (UnixFileMode)0b111_101_101);
        return script;
    }

    public SlurmOutcome Submit(SlurmJobSpec spec, bool wait = true)
    {
        var script = WriteScript(spec);
        var state = SlurmRunState.Load(spec.StatePath, SlurmRunState.Hash(script), spec.Shards);

        // A job of an earlier run still in the queue: wait for it rather than run its shards twice.
        foreach (var group in state.Unfinished.GroupBy(u => u.Job).ToList())
        {
            if (!wait) return Outcome(state);
            log($"Slurm job {group.Key} (submitted earlier) has shards {SlurmScript.ArrayList(group.Select(g => g.Index))} unfinished; waiting for it");
            Wait(spec, state, group.Key, group.Select(g => g.Index).ToList());
        }

        var todo = Enumerable.Range(0, spec.Shards).Except(state.Completed).ToList();
        if (todo.Count == 0)
        {
            log($"Slurm: all {spec.Shards} shards completed (job{(state.Jobs.Count > 1 ? "s" : "")} {string.Join(", ", state.Jobs)}); nothing to submit");
            return Outcome(state);
        }
        if (todo.Count < spec.Shards)
            log($"Slurm: {spec.Shards - todo.Count} of {spec.Shards} shards completed earlier; resubmitting {SlurmScript.ArrayList(todo)}");

        var args = new List<string> { "--parsable" };
        if (todo.Count < spec.Shards) args.Add($"--array={SlurmScript.ArrayList(todo)}");
        args.Add(spec.ScriptPath);
        var submitted = slurm.Run("sbatch", args);
        if (submitted.ExitCode != 0)
            throw new BadInputException($"sbatch {string.Join(' ', args)} failed (exit {submitted.ExitCode}): {FirstLine(submitted.Stderr + submitted.Stdout)}");
        var job = SlurmStates.ParseJobId(submitted.Stdout);
        state.Jobs.Add(job);
        foreach (var i in todo) state.Results[i] = new ShardRecord(job, SlurmRunState.Submitted);
        state.Save(spec.StatePath);
        log($"Slurm: submitted job {job}, shards {SlurmScript.ArrayList(todo)} of {spec.Shards} (logs: {spec.LogsDir})");
        if (wait) Wait(spec, state, job, todo);
        return Outcome(state);
    }

    /// <summary>The recorded state, with the live queue for shards not known to have ended.</summary>
    public IReadOnlyList<string> Status(SlurmJobSpec spec)
    {
        var script = File.Exists(spec.ScriptPath) ? File.ReadAllText(spec.ScriptPath) : SlurmScript.Render(spec);
        var state = SlurmRunState.Load(spec.StatePath, SlurmRunState.Hash(script), spec.Shards);
        var live = new Dictionary<int, TaskState>();
        foreach (var job in state.Unfinished.Select(u => u.Job).Distinct())
        {
            var q = slurm.Run("squeue", ["-h", "-r", "-j", job, "-o", "%K|%T"]);
            if (q.ExitCode == 0)
                foreach (var t in SlurmStates.ParseSqueue(q.Stdout).Where(t => state.Results.TryGetValue(t.Index, out var r) && r.Job == job))
                    live[t.Index] = t;
        }
        var lines = new List<string>();
        for (var i = 0; i < spec.Shards; i++)
        {
            var text = live.TryGetValue(i, out var t) ? $"{t.State} (job {state.Results[i].Job})"
                : state.Results.TryGetValue(i, out var r) ? $"{(r.State == SlurmRunState.Submitted ? "ENDED, not yet collected" : new TaskState(i, r.State, r.ExitCode).ToString())} (job {r.Job})"
                : "not submitted";
            lines.Add($"shard {i}/{spec.Shards}: {text}");
        }
        return lines;
    }

    private void Wait(SlurmJobSpec spec, SlurmRunState state, string job, IReadOnlyList<int> indices)
    {
        var watch = Stopwatch.StartNew();
        var lastLine = "";
        var lastPrinted = TimeSpan.Zero;
        var failures = 0;
        while (true)
        {
            var q = slurm.Run("squeue", ["-h", "-r", "-j", job, "-o", "%K|%T"]);
            if (q.ExitCode != 0)
            {
                // squeue refuses a job id the controller has already forgotten: the job is over.
                if ((q.Stderr + q.Stdout).Contains("Invalid job id", StringComparison.OrdinalIgnoreCase)) break;
                if (++failures >= SqueueRetries)
                    throw new BadInputException($"squeue -j {job} failed {failures} times: {FirstLine(q.Stderr + q.Stdout)}; rerun later to resume waiting (state: {spec.StatePath})");
                _sleep(TimeSpan.FromSeconds(5));
                continue;
            }
            failures = 0;
            var live = SlurmStates.ParseSqueue(q.Stdout).Where(t => indices.Contains(t.Index) && !t.IsDone).ToList();
            if (live.Count == 0) break;
            var running = live.Count(t => t.State is "RUNNING" or "COMPLETING" or "CONFIGURING");
            var line = $"Slurm job {job}: {indices.Count - live.Count}/{indices.Count} shards ended, {running} running, {live.Count - running} pending";
            if (line != lastLine || watch.Elapsed - lastPrinted >= TimeSpan.FromMinutes(1))
            {
                log($"{line} ({watch.Elapsed.TotalSeconds:0} s)");
                lastLine = line;
                lastPrinted = watch.Elapsed;
            }
            // Poll often at first (short jobs, tests), then every 15 s (the controller serves everyone).
            _sleep(TimeSpan.FromSeconds(Math.Min(15, 1 + watch.Elapsed.TotalSeconds / 10)));
        }

        foreach (var t in Collect(spec, job, indices))
            state.Results[t.Index] = new ShardRecord(job, t.State, t.ExitCode);
        state.Save(spec.StatePath);
        var ok = indices.Count(i => state.Results[i].State == SlurmStates.Completed);
        log($"Slurm job {job}: {ok} of {indices.Count} shards completed ({watch.Elapsed.TotalSeconds:0} s)");
    }

    /// <summary>Final states: sacct (accounting), then scontrol (recent jobs), then the exit codes the script wrote.</summary>
    private IReadOnlyList<TaskState> Collect(SlurmJobSpec spec, string job, IReadOnlyList<int> indices)
    {
        var found = new Dictionary<int, TaskState>();
        void Take(IEnumerable<TaskState> states)
        {
            foreach (var t in states)
                if (indices.Contains(t.Index) && t.IsDone && !found.ContainsKey(t.Index))
                    found[t.Index] = t;
        }
        var sacct = slurm.Run("sacct", ["-n", "-P", "-X", "-j", job, "-o", "JobID,State,ExitCode"]);
        if (sacct.ExitCode == 0) Take(SlurmStates.ParseSacct(sacct.Stdout, job));
        if (found.Count < indices.Count)
        {
            var scontrol = slurm.Run("scontrol", ["show", "job", job]);
            if (scontrol.ExitCode == 0) Take(SlurmStates.ParseScontrol(scontrol.Stdout));
        }
        foreach (var i in indices.Where(i => !found.ContainsKey(i)))
        {
            var exitFile = Path.Combine(spec.ExitDir, $"{job}_{i}");
            if (File.Exists(exitFile) && int.TryParse(File.ReadAllText(exitFile).Trim(), out var rc))
                found[i] = new TaskState(i, rc == 0 ? SlurmStates.Completed : "FAILED", $"{rc}:0");
            else
                found[i] = new TaskState(i, SlurmRunState.Unknown);
        }
        return indices.Select(i => found[i]).ToList();
    }

    private static SlurmOutcome Outcome(SlurmRunState state)
    {
        var completed = state.Completed.ToList();
        var failed = Enumerable.Range(0, state.Shards).Except(completed)
            .Select(i => state.Results.TryGetValue(i, out var r) ? new TaskState(i, r.State, r.ExitCode) : new TaskState(i, "NOT_SUBMITTED"))
            .ToList();
        return new SlurmOutcome(state.Shards, completed, failed, state.Jobs);
    }

    private static string FirstLine(string text) =>
        text.Replace("\r", "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "(no output)";
}
