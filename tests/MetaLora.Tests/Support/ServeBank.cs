namespace MetaLora.Tests.Support;

/// <summary>
/// A bank for <c>lora serve</c>'s own tests, built in about two seconds: two tasks, and a base model of eight
/// thin layers trained for one step. At a few ms a token, a request for a few hundred tokens through EOS
/// (<see cref="ServeClient.Long"/>) is slow enough to be caught in the middle (cancelled, timed out, shut down).
/// </summary>
public sealed class ServeBank : IDisposable
{
    private readonly TempDir _work = new();

    public ServeBank()
    {
        var build = ToolProcess.Lora(_work.Path, "bank", "build", "--out", Bank, "--tasks", "2", "--train-samples", "16", "--valid-samples", "2",
            "--test-samples", "2", "--generic-samples", "80", "--hidden", "64", "--intermediate", "128", "--layers", "8", "--base-steps", "1",
            "--lora-steps", "1", "--lora-batch", "8");
        Assert.True(build.ExitCode == 0, build.Output);
    }

    public string Root => _work.Path;
    public string Bank => _work["bank"];

    /// <summary>The served base model's name (the embedded bank's).</summary>
    public const string Model = "embedded";

    /// <summary>One of the bank's adapters.</summary>
    public string Adapter => Path.Combine(Bank, "adapters", "task000_caesar_shift1");

    /// <summary>A fresh folder beside the bank (outside it).</summary>
    public string Folder(string name) => Directory.CreateDirectory(_work[name]).FullName;

    /// <summary>A server over the bank on a free port, with more arguments.</summary>
    public ServeProcess Serve(IReadOnlyDictionary<string, string?>? environment, params string[] args) => new(Root, environment, ["--bank-dir", Bank, .. args]);

    public void Dispose() => _work.Dispose();
}
