using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace MetaLora.Tests.Support;

/// <summary>
/// The system Chromium that the browser tests drive through Playwright (whose own browser download
/// is never used): <c>METALORA_CHROMIUM</c> when set, else the first of the usual install paths.
/// Whether it starts is tried once per test run; <see cref="BrowserFactAttribute"/> skips with the
/// reason where it does not.
/// </summary>
public static class Chromium
{
    public const string EnvironmentVariable = "METALORA_CHROMIUM";

    private static readonly string[] KnownPaths = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

    /// <summary>The executable to launch, or null when none is found.</summary>
    public static string? Executable { get; } = Find();

    private static readonly Lazy<string?> Probe = new(TryLaunch);

    /// <summary>Why no browser test can run here, or null when Chromium starts.</summary>
    public static string? Unavailable => Probe.Value;

    /// <summary>
    /// The launch arguments. Name resolution fails for every host, a second wall behind the route
    /// that aborts requests (<see cref="HeadlessPage"/>): nothing a page asks for can reach a network.
    /// </summary>
    internal static BrowserTypeLaunchOptions LaunchOptions(string executable) => new()
    {
        ExecutablePath = executable,
        Headless = true,
        ChromiumSandbox = false,
        Timeout = 30_000,
        Args = ["--host-resolver-rules=MAP * ~NOTFOUND"],
    };

    private static string? Find()
    {
        var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(configured)) return configured;
        return KnownPaths.FirstOrDefault(File.Exists);
    }

    private static string? TryLaunch()
    {
        var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (Executable is null)
            return $"no Chromium found: {EnvironmentVariable} is not set and none of {string.Join(", ", KnownPaths)} exists "
                + $"(apt-get install chromium, or set {EnvironmentVariable} to a Chromium executable)";
        if (!File.Exists(Executable))
            return $"no Chromium at {EnvironmentVariable}={configured}: no such file";
        try
        {
            // A thread-pool thread: the attribute that asks runs on xunit's discovery thread.
            Task.Run(async () =>
            {
                using var dir = new TempDir();
                await using var browser = await HeadlessBrowser.LaunchAsync(Executable);
                await using var page = await browser.OpenAsync(dir.Write("probe.html", "<p>probe</p>"));
            }).GetAwaiter().GetResult();
            return null;
        }
        catch (Exception e)
        {
            return $"Chromium at {Executable} does not start headless: {Summary(e.Message)}";
        }
    }

    /// <summary>
    /// Playwright's first line, what the browser wrote to stderr (where a missing library shows) and
    /// how it exited: the launch log around them is long and says nothing about the cause.
    /// </summary>
    private static string Summary(string message)
    {
        // Each log line comes twice (browser logs, call log), as "- [pid=N][err] text" or "[pid=N] <event>".
        var lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => Regex.Replace(l, @"^-?\s*\[pid=\d+\]", "")).ToArray();
        var said = lines.Where(l => l.StartsWith("[err]", StringComparison.Ordinal)).Select(l => l[5..].Trim()).Distinct().TakeLast(3);
        var exit = lines.Where(l => l.StartsWith(" <process did exit", StringComparison.Ordinal)).Select(l => l.Trim(' ', '<', '>')).Take(1);
        var summary = string.Join("; ", lines.Take(1).Concat(said).Concat(exit));
        return summary.Length > 600 ? summary[..600] + "..." : summary;
    }
}

/// <summary>A test that opens pages in headless Chromium; skipped, saying why, where none starts.</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (Chromium.Unavailable is { } reason) Skip = reason;
    }
}
