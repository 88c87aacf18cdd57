using System.Diagnostics;

namespace MetaLora.Tests.Support;

public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr)
{
    public string Output => Stdout + Stderr;
}

/// <summary>Runs real processes: the lora tool built next to the tests, or a script.</summary>
public static class ToolProcess
{
    /// <summary>The lora tool the test project references, run as its own process.</summary>
    public static ProcessResult Lora(string workingDir, params string[] args) =>
        Run("dotnet", workingDir, [System.IO.Path.Combine(AppContext.BaseDirectory, "lora.dll"), .. args]);

    public static ProcessResult Run(string fileName, string workingDir, IEnumerable<string> args, TimeSpan? timeout = null)
    {
        using var process = Start(fileName, workingDir, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', args)} did not finish in time");
        }
        return new ProcessResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    public static Process Start(string fileName, string workingDir, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Remove("LORA_DATA_LOCK_HELD");
        return Process.Start(psi)!;
    }
}
