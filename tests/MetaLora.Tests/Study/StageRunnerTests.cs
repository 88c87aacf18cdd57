using MetaLora.IO;
using MetaLora.Repro;
using MetaLora.Study;

namespace MetaLora.Tests.Study;

public sealed class StageRunnerTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly StringWriter _log = new();
    private readonly StageRunner _runner;
    private int _runs;

    public StageRunnerTests() => _runner = new StageRunner(_dir[".stages"], _log, new StageCode(_ => _code));

    /// <summary>The stage's code identity, as the build would give it.</summary>
    private Dictionary<string, string> _code = new() { ["src/Copy.cs"] = "v1", ["package:Some"] = "1.0" };

    public void Dispose() => _dir.Dispose();

    private StageSpec Spec(string param = "1", string command = "copy") => new(
        "Copy.A",
        new Dictionary<string, string> { ["p"] = param },
        [_dir["in/*.txt"]],
        [_dir["out.txt"]],
        Verb: "copy",
        Command: [command, "--in", "in"]);

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
    [InlineData("copy an input over another, keeping size and mtime")]
    [InlineData("edit code")]
    [InlineData("add code")]
    [InlineData("remove code")]
    [InlineData("change param")]
    [InlineData("change command")]
    [InlineData("delete output")]
    [InlineData("alter output")]
    public void Any_declared_change_reruns(string change)
    {
        Setup();
        _runner.Run(Spec(), false, Action);
        var param = "1";
        var command = "copy";
        switch (change)
        {
            case "edit input": File.WriteAllText(_dir["in/a.txt"], "A"); break;
            case "add input": File.WriteAllText(_dir["in/c.txt"], "c"); break;
            case "remove input": File.Delete(_dir["in/b.txt"]); break;
            case "copy an input over another, keeping size and mtime":
                // As cp -p does: a.txt gets b.txt's bytes, and the size and mtime recorded for a.txt.
                File.SetLastWriteTimeUtc(_dir["in/b.txt"], File.GetLastWriteTimeUtc(_dir["in/a.txt"]));
                File.Copy(_dir["in/b.txt"], _dir["in/a.txt"], overwrite: true);
                Assert.Equal(File.GetLastWriteTimeUtc(_dir["in/b.txt"]), File.GetLastWriteTimeUtc(_dir["in/a.txt"]));
                break;
            case "edit code": _code = new(_code) { ["src/Copy.cs"] = "v2" }; break;
            case "add code": _code = new(_code) { ["src/Other.cs"] = "v1" }; break;
            case "remove code": _code = new(_code.Where(c => c.Key != "package:Some")); break;
            case "change param": param = "2"; break;
            case "change command": command = "copy2"; break;
            case "delete output": File.Delete(_dir["out.txt"]); break;
            case "alter output": File.WriteAllText(_dir["out.txt"], "zz"); break;
        }
        // A fresh runner: code identities are remembered per process.
        var runner = new StageRunner(_dir[".stages"], _log, new StageCode(_ => _code));
        runner.Run(Spec(param, command), false, Action);
        Assert.Equal(2, _runs);
        runner.Run(Spec(param, command), false, Action);
        Assert.Equal(2, _runs);
    }

    [Fact]
    public void The_same_code_in_other_files_is_up_to_date_and_recorded_where_it_now_lives()
    {
        // A build's code identity is fixed for the runner's lifetime: one runner per build.
        StageRunner Build(Dictionary<string, string> code) => new(_dir[".stages"], _log, new StageCode(_ => code));
        Setup();
        Dictionary<string, string> code = new() { ["src/A.cs"] = "a1", ["src/B.cs"] = "b1", ["code:all"] = "all1", ["package:Some"] = "1.0" };
        Assert.Equal(0, Build(code).Run(Spec(), force: false, Action));

        // B.cs split into B.cs and C.cs, A.cs moved: other file entries, the same code.
        code = new() { ["src/moved/A.cs"] = "a1", ["src/B.cs"] = "b2", ["src/C.cs"] = "c1", ["code:all"] = "all1", ["package:Some"] = "1.0" };
        Assert.True(Build(code).Check(Spec()).UpToDate);
        Assert.Equal(code.OrderBy(e => e.Key, StringComparer.Ordinal), StageManifest.TryLoad(_runner.ManifestPath(Spec()))!.Code);

        // The code itself changed: the reason names the file whose share changed.
        Assert.Equal("code changed: src/C.cs", Build(new(code) { ["src/C.cs"] = "c2", ["code:all"] = "all2" }).Check(Spec()).Reason);
        // A package changed with the same own code: still out of date.
        Assert.Equal("code changed: package:Some", Build(new(code) { ["package:Some"] = "2.0" }).Check(Spec()).Reason);
        Assert.Equal(1, _runs);
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
        _runner.Run(Spec(), false, () => { seen = RunningStage.Fingerprint; return Action(); });
        Assert.Equal(64, seen.Length);
        Assert.Equal("", RunningStage.Fingerprint);
    }

    [Fact]
    public void A_declared_file_that_does_not_exist_is_named()
    {
        Setup();
        var spec = Spec() with { Deps = [_dir["in/missing.txt"]] };
        var e = Assert.Throws<BadInputException>(() => _runner.Run(spec, false, Action));
        Assert.Contains("missing.txt: file not found (declared by stage Copy.A)", e.Message);
    }

    [Fact]
    public void Status_names_the_changed_code_and_writes_nothing()
    {
        Setup();
        _runner.Run(Spec(), false, Action);
        var manifest = File.ReadAllBytes(_runner.ManifestPath(Spec()));
        File.SetLastWriteTimeUtc(_dir["in/a.txt"], DateTime.UtcNow.AddMinutes(3)); // same bytes, new mtime
        var runner = new StageRunner(_dir[".stages"], _log, new StageCode(_ => new Dictionary<string, string>(_code) { ["src/Copy.cs"] = "v2" }));
        Assert.Equal(new StageStatus(false, "code changed: src/Copy.cs"), runner.Status(Spec()));
        Assert.Equal(new StageStatus(true, ""), _runner.Status(Spec()));
        Assert.Equal(manifest, File.ReadAllBytes(_runner.ManifestPath(Spec())));
        Assert.Equal(new StageStatus(false, "parameter p changed: 1 -> 2"), _runner.Status(Spec("2")));
        Assert.Equal(new StageStatus(false, "command changed"), _runner.Status(Spec(command: "other")));
        Assert.Equal(1, _runs);
    }
}
