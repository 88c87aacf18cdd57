using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json.Serialization;

namespace MetaLora.Reporting.Publish;

/// <summary>
/// The commit the results were produced from, whether the working tree had changes (tracked or
/// untracked, ignored files aside), and the commit's time. Outside a git checkout, or without git,
/// the commit is "unknown" and the flag null: a bundle can still be made, it just says so.
/// </summary>
internal sealed record GitInfo(
    [property: JsonPropertyName("commit")] string Commit,
    [property: JsonPropertyName("dirty")] bool? Dirty,
    [property: JsonPropertyName("commit_time")] long? CommitTime)
{
    public const string Unknown = "unknown";

    public static GitInfo None { get; } = new(Unknown, null, null);

    [JsonIgnore] public string Short => Commit == Unknown ? Unknown : Commit[..Math.Min(7, Commit.Length)];

    public static GitInfo Read(string directory)
    {
        var head = Git(directory, "rev-parse", "--verify", "HEAD");
        if (head is null || head.Length < 7) return None;
        var status = Git(directory, "status", "--porcelain");
        var time = Git(directory, "log", "-1", "--format=%ct", "HEAD");
        return new(head, status is null ? null : status.Length > 0, long.TryParse(time, out var t) ? t : null);
    }

    /// <summary>Trimmed standard output, or null when git is missing or fails (e.g. not a repository).</summary>
    private static string? Git(string directory, params string[] args)
    {
        var psi = new ProcessStartInfo("git")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            using var process = Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            return process.ExitCode == 0 ? stdout.Result.Trim() : null;
        }
        catch (Win32Exception)
        {
            return null; // git is not installed
        }
    }
}
