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

    /// <summary>The lora tool with environment variables set (a null value removes the variable).</summary>
    public static ProcessResult LoraWithEnvironment(string workingDir, IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        Run("dotnet", workingDir, [System.IO.Path.Combine(AppContext.BaseDirectory, "lora.dll"), .. args], environment: environment);

    public static ProcessResult Run(string fileName, string workingDir, IEnumerable<string> args, TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        using var process = Start(fileName, workingDir, args, environment);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', args)} did not finish in time");
        }
        return new ProcessResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    public static Process Start(string fileName, string workingDir, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null)
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
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) psi.Environment.Remove(name);
            else psi.Environment[name] = value;
        }
        return Process.Start(psi)!;
    }
}
