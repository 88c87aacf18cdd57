using System.Diagnostics;
using System.Text.RegularExpressions;
using MetaLora.IO;

namespace MetaLora.Cli.Bench;

/// <summary>
/// A <c>lora</c> process started by this one (the same build), e.g. <c>lora serve</c> on 127.0.0.1,
/// with its output kept for error messages. Disposing stops it: SIGTERM first, then a kill.
/// </summary>
internal sealed partial class ServerChild : IDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _output = new();

    private ServerChild(Process process) => _process = process;

    /// <summary>The bound URL <c>lora serve</c> printed.</summary>
    public string Url { get; private set; } = "";

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <summary>Starts <c>lora serve</c> with <paramref name="args"/> and waits until it prints its URL.</summary>
    public static ServerChild StartServe(IEnumerable<string> args, TimeSpan startup)
    {
        var child = new ServerChild(Start(["serve", .. args]));
        var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        child._process.OutputDataReceived += (_, e) => child.Keep(e.Data, ready);
        child._process.ErrorDataReceived += (_, e) => child.Keep(e.Data, null);
        child._process.Exited += (_, _) => ready.TrySetException(new BadInputException($"lora serve exited with code {child._process.ExitCode}: {child.Output.Trim()}"));
        child._process.EnableRaisingEvents = true;
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        try
        {
            if (!ready.Task.Wait(startup)) throw new BadInputException($"lora serve printed no URL within {startup.TotalSeconds:F0} s: {child.Output.Trim()}");
            child.Url = ready.Task.Result;
            return child;
        }
        catch
        {
            child.Dispose();
            throw;
        }
    }

    /// <summary>Runs another verb of this tool to its end; throws with its output when it fails.</summary>
    public static void RunVerb(IEnumerable<string> args)
    {
        using var process = Start(args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new BadInputException($"lora {string.Join(' ', args)} failed ({process.ExitCode}): {(stdout.Result + stderr.Result).Trim()}");
    }

    /// <summary>Asks the process to stop (SIGTERM) and waits up to <paramref name="grace"/>; true when it ended in time.</summary>
    public bool Terminate(TimeSpan grace)
    {
        if (_process.HasExited) return true;
        ProcessSignal.Terminate(_process.Id);
        return _process.WaitForExit(grace);
    }

    public void Dispose()
    {
        if (!Terminate(TimeSpan.FromSeconds(15)))
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
    }

    private void Keep(string? line, TaskCompletionSource<string>? ready)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
        if (ready is not null && Listening().Match(line) is { Success: true } match) ready.TrySetResult(match.Groups[1].Value);
    }

    /// <summary>This tool again: the same host and entry assembly (<c>dotnet lora.dll</c> or the apphost).</summary>
    private static Process Start(IEnumerable<string> args)
    {
        var host = Environment.ProcessPath ?? "dotnet";
        var psi = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") psi.ArgumentList.Add(typeof(ServerChild).Assembly.Location);
        foreach (var arg in args) psi.ArgumentList.Add(arg);
        return Process.Start(psi) ?? throw new InvalidOperationException($"could not start {host}");
    }

    [GeneratedRegex(@"^lora serve: (http://[^ ]+) ")]
    private static partial Regex Listening();
}
