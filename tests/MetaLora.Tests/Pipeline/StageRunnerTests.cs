using MetaLora.Pipeline;
using MetaLora.Tests.Support;

namespace MetaLora.Tests.Pipeline;

public sealed class StageRunnerTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly StringWriter _log = new();
    private readonly StageRunner _runner;
    private int _runs;

    public StageRunnerTests() => _runner = new StageRunner(_dir[".stages"], _log);

    public void Dispose() => _dir.Dispose();

    private StageSpec Spec(string param = "1") => new(
        "Copy.A",
        new Dictionary<string, string> { ["p"] = param },
        [_dir["in/*.txt"]],
        [_dir["code.cs"]],
        [_dir["out.txt"]]);

    /// <summary>The stage: concatenates the inputs into out.txt.</summary>
    private int Action()
    {
        _runs++;
        var text = string.Concat(Glob.Expand(_dir["in/*.txt"]).Select(File.ReadAllText));
        AtomicFile.WriteAllText(_dir["out.txt"], text);
        return 0;
    }

    private void Setup()
    {
        Directory.CreateDirectory(_dir["in"]);
        File.WriteAllText(_dir["in/a.txt"], "a");
        File.WriteAllText(_dir["in/b.txt"], "b");
        File.WriteAllText(_dir["code.cs"], "// v1");
    }

    [Fact]
    public void Second_run_is_up_to_date_and_leaves_the_output_alone()
    {
        Setup();
        _runner.Run(Spec(), false, Action);
        var stamp = File.GetLastWriteTimeUtc(_dir["out.txt"]);
        _runner.Run(Spec(), false, Action);
        Assert.Equal(1, _runs);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(_dir["out.txt"]));
        Assert.Contains("Copy.A: up to date", _log.ToString());
    }

    [Theory]
    [InlineData("edit input")]
    [InlineData("add input")]
    [InlineData("remove input")]
    [InlineData("edit code")]
    [InlineData("change param")]
    [InlineData("delete output")]
    [InlineData("alter output")]
    public void Any_declared_change_reruns(string change)
    {
        Setup();
        _runner.Run(Spec(), false, Action);
        var param = "1";
        switch (change)
        {
            case "edit input": File.WriteAllText(_dir["in/a.txt"], "A"); break;
            case "add input": File.WriteAllText(_dir["in/c.txt"], "c"); break;
            case "remove input": File.Delete(_dir["in/b.txt"]); break;
            case "edit code": File.WriteAllText(_dir["code.cs"], "// v2"); break;
            case "change param": param = "2"; break;
            case "delete output": File.Delete(_dir["out.txt"]); break;
            case "alter output": File.WriteAllText(_dir["out.txt"], "zz"); break;
        }
        _runner.Run(Spec(param), false, Action);
        Assert.Equal(2, _runs);
        _runner.Run(Spec(param), false, Action);
        Assert.Equal(2, _runs);
    }

    [Fact]
    public void Rewriting_an_input_with_the_same_bytes_is_not_a_change()
    {
        Setup();
        _runner.Run(Spec(), false, Action);
        File.WriteAllText(_dir["in/a.txt"], "a");
        File.SetLastWriteTimeUtc(_dir["in/a.txt"], DateTime.UtcNow.AddMinutes(5));
        _runner.Run(Spec(), false, Action);
        Assert.Equal(1, _runs);
    }

    [Fact]
    public void Force_reruns_and_a_failed_run_leaves_no_manifest()
    {
        Setup();
        _runner.Run(Spec(), false, Action);
        _runner.Run(Spec(), true, Action);
        Assert.Equal(2, _runs);
        Assert.Equal(3, _runner.Run(Spec(), true, () => 3));
        Assert.False(File.Exists(_runner.ManifestPath(Spec())));
        _runner.Run(Spec(), false, Action);
        Assert.Equal(3, _runs);
    }

    [Fact]
    public void Fingerprint_is_visible_to_the_action_only_while_it_runs()
    {
        Setup();
        string seen = "";
        _runner.Run(Spec(), false, () => { seen = StageRunner.CurrentFingerprint; return Action(); });
        Assert.Equal(64, seen.Length);
        Assert.Equal("", StageRunner.CurrentFingerprint);
    }

    [Fact]
    public void A_declared_file_that_does_not_exist_is_named()
    {
        Setup();
        File.Delete(_dir["code.cs"]);
        var e = Assert.Throws<BadInputException>(() => _runner.Run(Spec(), false, Action));
        Assert.Contains("code.cs: file not found (declared by stage Copy.A)", e.Message);
    }

    [Fact]
    public void A_plan_is_up_to_date_only_when_every_stage_is()
    {
        Setup();
        var plan = _dir.Write("plan.json", System.Text.Json.JsonSerializer.Serialize(new[]
        {
            new { name = "Copy.A", @params = new Dictionary<string, string> { ["p"] = "1" }, deps = new[] { _dir["in/*.txt"] }, code = new[] { _dir["code.cs"] }, outs = new[] { _dir["out.txt"] } },
        }));
        var stages = StagePlan.Read(plan);
        Assert.Equal(Spec().Name, stages.Single().Name);
        var log = new StringWriter();
        Assert.False(StagePlan.AllUpToDate(stages, _dir[".stages"], log));
        _runner.Run(Spec(), false, Action);
        Assert.True(StagePlan.AllUpToDate(stages, _dir[".stages"], log));
        Assert.Equal("Copy.A: up to date", log.ToString().Trim());
        File.WriteAllText(_dir["in/b.txt"], "changed");
        Assert.False(StagePlan.AllUpToDate(stages, _dir[".stages"], new StringWriter()));

        File.WriteAllText(plan, "[{\"params\": {}}]");
        Assert.Contains("plan.json", Assert.Throws<BadInputException>(() => StagePlan.Read(plan)).Message);
    }
}
