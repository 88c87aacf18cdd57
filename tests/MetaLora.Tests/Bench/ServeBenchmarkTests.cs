using System.Globalization;
using System.Text.RegularExpressions;
using MetaLora.Cli.Bench;
using MetaLora.Tests.Support;

namespace MetaLora.Tests.Bench;

/// <summary><c>lora bench serve</c> as a user runs it: a real process that builds the tiny bank and starts a real server.</summary>
public sealed class ServeBenchmarkTests
{
    [Fact]
    public void It_loads_a_real_server_at_each_level_and_reports_what_it_measured()
    {
        using var dir = new TempDir();
        var temp = Directory.CreateDirectory(Path.Combine(dir.Path, "tmp")).FullName;
        var run = ToolProcess.LoraWithEnvironment(dir.Path, new Dictionary<string, string?> { ["TMPDIR"] = temp },
            "bench", "serve", "--clients", "1,2", "--seconds", "1", "--max-tokens", "4");
        Assert.True(run.ExitCode == 0, run.Output);
        var rows = Regex.Matches(run.Stdout, @"^\s+(\d+)\s+([\d.]+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+) MB$", RegexOptions.Multiline);
        Assert.Equal(["1", "2"], rows.Select(r => r.Groups[1].Value));
        foreach (Match row in rows)
        {
            Assert.True(long.Parse(row.Groups[6].Value, CultureInfo.InvariantCulture) > 0, $"no request answered: {row.Value}");
            Assert.Equal("0", row.Groups[8].Value);
            Assert.True(long.Parse(row.Groups[9].Value, CultureInfo.InvariantCulture) > 10, $"the server's peak RSS was not read: {row.Value}");
        }
        Assert.Contains("server stopped with exit code 0", run.Stdout);
        // The tiny bank it built for the run is gone.
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp, "lora-bench-serve-*"));
    }

    [Theory]
    [InlineData("--clients=0", "--clients takes whole numbers from 1 to 256")]
    [InlineData("--clients=1,x", "--clients=1,x: 'x' is not a whole number")]
    [InlineData("--seconds=0", "--seconds must be in (0, 600]")]
    public void Bad_arguments_stop_it_with_one_line_before_anything_starts(string argument, string message)
    {
        using var dir = new TempDir();
        var run = ToolProcess.Lora(dir.Path, "bench", "serve", argument);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Stderr);
        Assert.Single(run.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public void The_batching_gain_is_16_clients_over_1_and_needs_both_levels()
    {
        ServeLevel Level(int clients, long tokens) => new(clients, 2, 10, tokens, 0, 0, 0, 0, 0);
        Assert.Equal(4.0, ServeBenchmark.BatchingGain([Level(1, 100), Level(4, 200), Level(16, 400)]));
        Assert.Null(ServeBenchmark.BatchingGain([Level(1, 100), Level(4, 200)]));
        Assert.Null(ServeBenchmark.BatchingGain([Level(1, 0), Level(16, 400)]));
    }
}
