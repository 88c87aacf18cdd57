using System.ComponentModel;
using System.Diagnostics;

namespace MetaLora.Cluster;

/// <summary>The real client commands, found on PATH; they find the cluster as usual (slurm.conf, SLURM_CONF).</summary>
internal sealed class SlurmProcesses : ISlurmCommands
{
    public CommandResult Run(string program, IReadOnlyList<string> args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            using var process = Process.Start(psi)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return new CommandResult(process.ExitCode, stdout, stderr.Result);
        }
        catch (Win32Exception)
        {
            throw new BadInputException($"{program}: not found; run this on a Slurm submit host (Slurm's client commands on PATH)");
        }
    }
}
