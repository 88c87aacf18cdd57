using System.Text.RegularExpressions;

namespace MetaLora.Cluster;

/// <summary>
/// Job states as squeue, sacct and scontrol print them, and parsers for their outputs
/// (<c>squeue -h -r -o %K|%T</c>, <c>sacct -n -P -X -o JobID,State,ExitCode</c>, <c>scontrol show job</c>).
/// </summary>
internal static partial class SlurmStates
{
    public const string Completed = "COMPLETED";

    /// <summary>States a job does not leave: anything but COMPLETED is a failure to resubmit.</summary>
    private static readonly HashSet<string> Terminal =
    [
        Completed, "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL", "BOOT_FAIL", "DEADLINE", "PREEMPTED", "REVOKED", "SPECIAL_EXIT",
    ];

    /// <summary>"CANCELLED by 1000" -> CANCELLED; abbreviations (CD, F, TO, OOM...) -> full names.</summary>
    public static string Normalize(string state)
    {
        var word = state.Trim().Split(' ', 2)[0].TrimEnd('+').ToUpperInvariant();
        return word switch
        {
            "CD" => Completed, "F" => "FAILED", "CA" => "CANCELLED", "TO" => "TIMEOUT", "OOM" => "OUT_OF_MEMORY", "NF" => "NODE_FAIL",
            "BF" => "BOOT_FAIL", "DL" => "DEADLINE", "PR" => "PREEMPTED", "PD" => "PENDING", "R" => "RUNNING", "CG" => "COMPLETING",
            "CF" => "CONFIGURING", "S" => "SUSPENDED", "RQ" => "REQUEUED", "RH" => "REQUEUE_HOLD", "RS" => "RESIZING", "SE" => "SPECIAL_EXIT",
            _ => word,
        };
    }

    public static bool IsTerminal(string state) => Terminal.Contains(state);

    /// <summary>
    /// <c>squeue -h -r -j JOB -o %K|%T</c>: one line per array task still known to the queue
    /// (index|state). A pending range not yet split ("1-3") stands for each of its indices.
    /// </summary>
    public static IReadOnlyList<TaskState> ParseSqueue(string text)
    {
        var result = new List<TaskState>();
        foreach (var line in Lines(text))
        {
            var parts = line.Split('|');
            if (parts.Length < 2) continue;
            foreach (var index in ExpandIndices(parts[0]))
                result.Add(new TaskState(index, Normalize(parts[1])));
        }
        return result;
    }

    /// <summary>
    /// <c>sacct -n -P -X -j JOB -o JobID,State,ExitCode</c>: "JOB_INDEX|STATE|EXIT". Lines of other
    /// jobs and the job's own line (pending array ranges "JOB_[1-3]") are read as well; the last line
    /// per index wins (a requeued task appears more than once).
    /// </summary>
    public static IReadOnlyList<TaskState> ParseSacct(string text, string jobId)
    {
        var byIndex = new SortedDictionary<int, TaskState>();
        foreach (var line in Lines(text))
        {
            var parts = line.Split('|');
            if (parts.Length < 2) continue;
            var id = parts[0].Trim();
            var prefix = jobId + "_";
            if (!id.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var indices = id[prefix.Length..].Trim('[', ']');
            var exit = parts.Length > 2 ? parts[2].Trim() : null;
            foreach (var index in ExpandIndices(indices))
                byIndex[index] = new TaskState(index, Normalize(parts[1]), exit);
        }
        return byIndex.Values.ToList();
    }

    /// <summary><c>scontrol show job JOB</c> (one record per array task; blank lines between records).</summary>
    public static IReadOnlyList<TaskState> ParseScontrol(string text)
    {
        var result = new List<TaskState>();
        foreach (var record in Regex.Split(text.Replace("\r", ""), @"\n\s*\n"))
        {
            var index = ScontrolField().Matches(record).Where(m => m.Groups[1].Value == "ArrayTaskId").Select(m => m.Groups[2].Value).FirstOrDefault();
            var state = ScontrolField().Matches(record).Where(m => m.Groups[1].Value == "JobState").Select(m => m.Groups[2].Value).FirstOrDefault();
            var exit = ScontrolField().Matches(record).Where(m => m.Groups[1].Value == "ExitCode").Select(m => m.Groups[2].Value).FirstOrDefault();
            if (index is null || state is null) continue;
            foreach (var i in ExpandIndices(index))
                result.Add(new TaskState(i, Normalize(state), exit));
        }
        return result;
    }

    /// <summary>"3", "1-3", "0,2,4-5", "1-7:2", "0-3%2" (a throttle) -> the indices.</summary>
    public static IEnumerable<int> ExpandIndices(string text)
    {
        var body = text.Trim().Trim('[', ']').Split('%')[0];
        foreach (var part in body.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var stepParts = part.Split(':');
            var step = stepParts.Length == 2 && int.TryParse(stepParts[1], out var st) && st > 0 ? st : 1;
            var range = stepParts[0].Split('-');
            if (range.Length == 1 && int.TryParse(range[0], out var single)) yield return single;
            else if (range.Length == 2 && int.TryParse(range[0], out var from) && int.TryParse(range[1], out var to))
                for (var i = from; i <= to; i += step) yield return i;
        }
    }

    /// <summary><c>sbatch --parsable</c> prints "JOB" or "JOB;CLUSTER".</summary>
    public static string ParseJobId(string sbatchOutput)
    {
        var line = Lines(sbatchOutput).LastOrDefault() ?? "";
        var id = line.Split(';')[0].Trim();
        return id.Length > 0 && id.All(char.IsAsciiDigit) ? id
            : throw new BadInputException($"sbatch printed no job id: '{sbatchOutput.Trim()}'");
    }

    private static IEnumerable<string> Lines(string text) =>
        text.Replace("\r", "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [GeneratedRegex(@"(?<=^|\s)(\w+)=(\S*)")]
    private static partial Regex ScontrolField();
}
