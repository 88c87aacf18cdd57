using System.Diagnostics;
using System.Text.RegularExpressions;

namespace MetaLora.Tests.Support;

/// <summary>A real <c>lora serve</c> process on 127.0.0.1 with a free port; stopped (killed) when disposed.</summary>
public sealed partial class ServeProcess : IDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _output = new();

    public ServeProcess(string workingDir, IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        _process = ToolProcess.Start("dotnet", workingDir, [Path.Combine(AppContext.BaseDirectory, "lora.dll"), "serve", "--port", "0", .. args], environment);
        var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_output) _output.AppendLine(e.Data);
            if (Listening().Match(e.Data) is { Success: true } match) ready.TrySetResult(match.Groups[1].Value);
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_output) _output.AppendLine(e.Data);
        };
        _process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"lora serve exited with code {_process.ExitCode}: {Output}"));
        _process.EnableRaisingEvents = true;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        if (!ready.Task.Wait(TimeSpan.FromMinutes(2))) throw new TimeoutException($"lora serve did not print its URL: {Output}");
        Url = ready.Task.Result;
    }

    /// <summary>The bound URL the server printed, e.g. http://127.0.0.1:41234.</summary>
    public string Url { get; }

    /// <summary>Everything it printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <summary>The server's process id.</summary>
    public int Pid => _process.Id;

    /// <summary>Sends <paramref name="signal"/> (TERM, INT) with kill(1), as a service manager or a terminal would.</summary>
    public void Signal(string signal)
    {
        var kill = ToolProcess.Run("kill", Path.GetTempPath(), [$"-{signal}", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(30));
        Assert.True(kill.ExitCode == 0, kill.Output);
    }

    /// <summary>The exit code once the process ends on its own, or null if it is still running after <paramref name="timeout"/>.</summary>
    public int? WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout)) return null;
        // The parameterless wait also drains the redirected output into Output.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
    }

    [GeneratedRegex(@"^lora serve: (http://127\.0\.0\.1:\d+) ")]
    private static partial Regex Listening();
}
