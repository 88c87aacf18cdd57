namespace MetaLora.Tests.Support;

/// <summary>
/// The Slurm cluster the tests submit to: the one SLURM_CONF names, else the one-node cluster that
/// <c>.ci/slurm-local.sh start</c> runs (its slurm.conf in /tmp/metalora-slurm), else the host's default.
/// </summary>
public static class LocalSlurm
{
    public const string LocalConf = "/tmp/metalora-slurm/slurm.conf";

    public static string? Conf { get; } =
        Environment.GetEnvironmentVariable("SLURM_CONF") is { Length: > 0 } conf ? conf : File.Exists(LocalConf) ? LocalConf : null;

    /// <summary>For child processes: the client commands find the same cluster.</summary>
    public static IReadOnlyDictionary<string, string?> ClientEnvironment { get; } = new Dictionary<string, string?> { ["SLURM_CONF"] = Conf };

    /// <summary>Why the cluster cannot take jobs, or null when a node is idle or partly used.</summary>
    public static string? Unavailable { get; } = Probe();

    private static string? Probe()
    {
        ProcessResult sinfo;
        try
        {
            sinfo = ToolProcess.Run("sinfo", Environment.CurrentDirectory, ["-h", "-o", "%t"], TimeSpan.FromSeconds(30), Conf is null ? null : ClientEnvironment);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "sinfo is not installed (start a one-node cluster with: sudo .ci/slurm-local.sh start)";
        }
        catch (TimeoutException)
        {
            return "sinfo did not answer in 30 s";
        }
        if (sinfo.ExitCode != 0)
            return $"sinfo failed ({sinfo.Output.Trim().Split('\n')[0]}); start a one-node cluster with: sudo .ci/slurm-local.sh start";
        var states = sinfo.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return states.Any(s => s.TrimEnd('*', '~', '#', '!', '%', '$', '@', '^', '-') is "idle" or "mix" or "alloc")
            ? null
            : $"no Slurm node can take jobs (sinfo states: {string.Join(", ", states.DefaultIfEmpty("none"))})";
    }
}

/// <summary>A fact that submits to a real Slurm cluster; skipped, with the reason, where none answers.</summary>
public sealed class SlurmFactAttribute : FactAttribute
{
    public SlurmFactAttribute()
    {
        if (LocalSlurm.Unavailable is { } reason) Skip = "Slurm: " + reason;
    }
}
