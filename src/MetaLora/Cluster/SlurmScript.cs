using System.Text;

namespace MetaLora.Cluster;

/// <summary>
/// The sbatch array script for a <see cref="SlurmJobSpec"/>: deterministic text (same spec, same bytes),
/// no srun (each array task is one process), and each shard writes its exit code to
/// <c>exit/&lt;job&gt;_&lt;index&gt;</c> so results are known even where Slurm keeps no accounting.
/// </summary>
internal static class SlurmScript
{
    public static string Render(SlurmJobSpec spec)
    {
        if (spec.Shards < 1) throw new BadInputException($"--shards={spec.Shards}: expected a whole number >= 1");
        if (spec.Command.Count == 0) throw new ArgumentException("empty command", nameof(spec));
        var s = new StringBuilder();
        s.Append("#!/bin/bash\n");
        s.Append($"# Infer on Slurm: array task i runs shard i of {spec.Shards}. Written by `lora slurm submit`; a rerun\n");
        s.Append("# resubmits only the shards that did not complete (sbatch --array=<those> this script).\n");
        s.Append($"#SBATCH --job-name={spec.JobName}\n");
        s.Append($"#SBATCH --array=0-{spec.Shards - 1}\n");
        s.Append($"#SBATCH --output={spec.LogsDir}/infer-%a.out\n");
        s.Append($"#SBATCH --chdir={spec.WorkingDir}\n");
        if (spec.Partition is { } partition) s.Append($"#SBATCH --partition={partition}\n");
        if (spec.Account is { } account) s.Append($"#SBATCH --account={account}\n");
        if (spec.Gres is { } gres) s.Append($"#SBATCH --gres={gres}\n");
        if (spec.Time is { } time) s.Append($"#SBATCH --time={time}\n");
        if (spec.CpusPerTask is { } cpus) s.Append($"#SBATCH --cpus-per-task={cpus}\n");
        if (spec.Mem is { } mem) s.Append($"#SBATCH --mem={mem}\n");
        s.Append("set -u\n");
        s.Append("shard=$SLURM_ARRAY_TASK_ID\n");
        s.Append("echo \"shard $shard/" + spec.Shards + " on $(hostname), job ${SLURM_ARRAY_JOB_ID}_$shard\"\n");
        s.Append(string.Join(' ', spec.Command.Select(Quote))).Append($" --shard \"$shard/{spec.Shards}\"\n");
        s.Append("rc=$?\n");
        s.Append($"mkdir -p {Quote(spec.ExitDir)} && echo \"$rc\" > {Quote(spec.ExitDir)}/\"${{SLURM_ARRAY_JOB_ID}}_$shard\"\n");
        s.Append("exit \"$rc\"\n");
        return s.ToString();
    }

    /// <summary>One shell word: single quotes, with embedded quotes closed, escaped and reopened.</summary>
    public static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "/._-,=:+@%".Contains(c)) ? word : "'" + word.Replace("'", "'\\''") + "'";

    /// <summary>Array indices in sbatch's syntax, runs collapsed: 0,1,2,5 -> "0-2,5".</summary>
    public static string ArrayList(IEnumerable<int> indices)
    {
        var sorted = indices.Distinct().Order().ToArray();
        var parts = new List<string>();
        for (var i = 0; i < sorted.Length;)
        {
            var j = i;
            while (j + 1 < sorted.Length && sorted[j + 1] == sorted[j] + 1) j++;
            parts.Add(j == i ? $"{sorted[i]}" : $"{sorted[i]}-{sorted[j]}");
            i = j + 1;
        }
        return string.Join(',', parts);
    }
}
