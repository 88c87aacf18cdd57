using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
using MetaLora.Reporting.Publish;
using MetaLora.Tests.Support;
using MetaLora.IO;
using MetaLora.Layout;
using MetaLora.Repro;
using MetaLora.Study;

namespace MetaLora.Tests.Reporting;

/// <summary>
/// The results bundle: its entries and manifest, byte-identical republishing, lora verify on an
/// untouched and on an altered bundle, and one-line errors for bad input.
/// </summary>
public sealed class PublishTests : IDisposable
{
    private readonly TempDir _work = new();
    private string Data => _work["data"];
    private string Results => _work["results"];
    private static readonly GitInfo Git = new("0123456789abcdef0123456789abcdef01234567", false, 1_700_000_000);

    /// <summary>These stages run no verb: their code identity is empty.</summary>
    private static readonly StageCode NoCode = new(_ => new Dictionary<string, string>());

    public PublishTests()
    {
        // Three stages as the build script would record them, and a stale one from another metric.
        var runner = new StageRunner(new DataLayout(Data).StagesDir, TextWriter.Null, NoCode);
        var output = Path.Combine(Results, "models_generated_outputs", "base", "t1.jsonl");
        var table = Path.Combine(Results, "evaluation_outputs_results", "rougeL_results.csv");
        string[] summaries = [Path.Combine(Results, "summary.md"), Path.Combine(Results, "summary.json")];
        var plot = Path.Combine(Results, "rougeL_by_pipeline.png");
        var page = Path.Combine(Results, "report.html");
        var stale = Path.Combine(Data, "preprocessed", "distances", "WD.csv");
        Stage(runner, "Infer.base", [], [output], () => _work.Write(output, "{\"prediction\": \"x\"}\n"));
        Stage(runner, "Evaluate", [output], [table, .. summaries], () =>
        {
            _work.Write(table, "task,base\nt1,0.5\n");
            _work.Write(summaries[0], "# Results\n");
            _work.Write(summaries[1], "{\"best\": \"base\"}\n");
        });
        Stage(runner, "Report", [table], [plot, page], () =>
        {
            _work.WriteBytes(plot, [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3]);
            _work.Write(page, "<!DOCTYPE html>\n<title>t1</title>\n");
        });
        Stage(runner, "Distances.WD", [], [stale], () => _work.Write(stale, "task,t1\nt1,0\n"));
    }

    public void Dispose() => _work.Dispose();

    private static void Stage(StageRunner runner, string name, string[] deps, string[] outs, Action write) =>
        Assert.Equal(0, runner.Run(new StageSpec(name, new Dictionary<string, string> { ["p"] = name }, deps, outs), force: false, () => { write(); return 0; }));

    private PublishResult Publish(string outDir, GitInfo? git = null) => PublishBundle.Create(new PublishRequest(
        Data, Results, outDir, "embedded-tiny", new Dictionary<string, string> { ["metric"] = "KL", ["model"] = "base_version" },
        git ?? Git, ToolVersions.Current(RepoCopy.FindRepoRoot()), MachineInfo.Current()));

    private static List<TarEntry> Entries(string archive)
    {
        using var gz = new GZipStream(File.OpenRead(archive), CompressionMode.Decompress);
        using var reader = new TarReader(gz);
        var entries = new List<TarEntry>();
        while (reader.GetNextEntry(copyData: true) is { } e) entries.Add(e);
        return entries;
    }

    private string Unpack(string archive)
    {
        var dir = _work["unpacked-" + Guid.NewGuid().ToString("N")];
        Directory.CreateDirectory(dir);
        using var gz = new GZipStream(File.OpenRead(archive), CompressionMode.Decompress);
        TarFile.ExtractToDirectory(gz, dir, overwriteFiles: false);
        return dir;
    }

    [Fact]
    public void Bundle_holds_the_tables_summaries_figures_and_a_manifest_of_their_provenance()
    {
        var published = Publish(_work["artifacts"]);

        Assert.Equal(Path.Combine(_work["artifacts"], "embedded-tiny-0123456.tar.gz"), published.Path);
        var entries = Entries(published.Path);
        Assert.Equal(
        [
            "embedded-tiny-0123456/",
            "embedded-tiny-0123456/evaluation_outputs_results/",
            "embedded-tiny-0123456/evaluation_outputs_results/rougeL_results.csv",
            "embedded-tiny-0123456/manifest.json",
            "embedded-tiny-0123456/report.html",
            "embedded-tiny-0123456/rougeL_by_pipeline.png",
            "embedded-tiny-0123456/summary.json",
            "embedded-tiny-0123456/summary.md",
        ], entries.Select(e => e.Name));
        // Nothing about who or when packed it: owner 0:0 without names, fixed modes, the commit's time.
        Assert.All(entries, e =>
        {
            Assert.Equal(TarEntryFormat.Ustar, e.Format);
            Assert.Equal((0, 0), (e.Uid, e.Gid));
            Assert.Equal(("", ""), (((PosixTarEntry)e).UserName, ((PosixTarEntry)e).GroupName));
            Assert.Equal(Git.CommitTime, e.ModificationTime.ToUnixTimeSeconds());
            Assert.Equal(e.EntryType == TarEntryType.Directory ? Convert.ToInt32("755", 8) : Convert.ToInt32("644", 8), (int)e.Mode);
        });

        var manifest = BundleManifest.Parse("manifest.json", File.ReadAllBytes(Path.Combine(Unpack(published.Path), "embedded-tiny-0123456", "manifest.json")));
        Assert.Equal(Git, manifest.Git);
        Assert.Equal("KL", manifest.Arguments["metric"]);
        Assert.Contains("ScottPlot", manifest.Versions!.Packages.Keys);
        Assert.Contains("cake.tool", manifest.Versions.DotnetTools.Keys);
        Assert.False(string.IsNullOrEmpty(manifest.Machine!.Cpu));
        Assert.Equal(MathModes.Current, manifest.Machine.Math);
        // The stages behind the results, in pipeline order; the stale WD manifest is not one of them.
        Assert.Equal(["Infer.base", "Evaluate", "Report"], manifest.Stages.Select(s => s.Name));
        var evaluate = manifest.Stages[1];
        Assert.Equal("Evaluate", evaluate.Params["p"]);
        Assert.Equal(StageManifest.TryLoad(Path.Combine(Data, ".stages", "Evaluate.json"))!.DurationSeconds, evaluate.DurationSeconds);
        Assert.Equal(FileStamp.Hash(Path.Combine(Results, "summary.md")), evaluate.Outs.Single(o => o.Key.EndsWith("summary.md")).Value.Sha256);
        Assert.Equal(FileStamp.Hash(Path.Combine(Results, "models_generated_outputs", "base", "t1.jsonl")), evaluate.Deps.Single().Value.Sha256);
        Assert.Equal(["evaluation_outputs_results/rougeL_results.csv", "report.html", "rougeL_by_pipeline.png", "summary.json", "summary.md"], manifest.Files.Keys);
        Assert.Equal("Report", manifest.Files["rougeL_by_pipeline.png"].ProducedBy);
        Assert.Equal("Report", manifest.Files["report.html"].ProducedBy);
        Assert.Equal("Evaluate", manifest.Files["summary.md"].ProducedBy);
        Assert.DoesNotContain("mtime", File.ReadAllText(Path.Combine(Unpack(published.Path), "embedded-tiny-0123456", "manifest.json")));
    }

    [Fact]
    public void Publishing_the_same_results_twice_gives_the_same_bytes()
    {
        var first = File.ReadAllBytes(Publish(_work["a"]).Path);
        // Touching the results and refreshing the stage manifests' mtimes changes no byte.
        foreach (var f in Directory.EnumerateFiles(Results, "*", SearchOption.AllDirectories)) File.SetLastWriteTimeUtc(f, DateTime.UtcNow.AddMinutes(5));
        Assert.True(new StageRunner(new DataLayout(Data).StagesDir, TextWriter.Null, NoCode).Check(
            new StageSpec("Report", new Dictionary<string, string> { ["p"] = "Report" }, [Path.Combine(Results, "evaluation_outputs_results", "rougeL_results.csv")],
                [Path.Combine(Results, "rougeL_by_pipeline.png"), Path.Combine(Results, "report.html")])).UpToDate);
        var second = File.ReadAllBytes(Publish(_work["b"]).Path);
        Assert.Equal(first, second);
        // The gzip header carries no time and no OS.
        Assert.Equal(new byte[] { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0 }, first[..8]);
        Assert.Equal(255, first[9]);

        // A changed result changes the bundle.
        File.AppendAllText(Path.Combine(Results, "summary.md"), "more\n");
        Assert.NotEqual(first, File.ReadAllBytes(Publish(_work["c"]).Path));
    }

    [Fact]
    public void Verify_accepts_an_untouched_bundle_packed_or_unpacked()
    {
        var archive = Publish(_work["artifacts"]).Path;
        var packed = BundleVerifier.Verify(archive);
        Assert.True(packed.Ok, string.Join("\n", packed.Problems));
        Assert.Equal(5, packed.FilesChecked); // the table, the summaries, the page, the figure
        var unpacked = Unpack(archive);
        Assert.True(BundleVerifier.Verify(unpacked).Ok); // the folder tar -x was given
        Assert.True(BundleVerifier.Verify(Path.Combine(unpacked, "embedded-tiny-0123456")).Ok);

        var cli = ToolProcess.Lora(_work.Path, "verify", "--bundle", archive);
        Assert.True(cli.ExitCode == 0, cli.Output);
        Assert.Contains("all 5 files match manifest.json (commit 0123456789abcdef0123456789abcdef01234567)", cli.Stdout);
        // It says where the bundle was made and whether a rerun here uses the same math modes.
        Assert.Contains($"made on {MathModes.Current.Cpu} with {MathModes.Current.Describe()}; a rerun here uses the same modes", cli.Stdout);
    }

    [Fact]
    public void Verify_names_each_altered_removed_or_added_file_and_fails()
    {
        var root = Path.Combine(Unpack(Publish(_work["artifacts"]).Path), "embedded-tiny-0123456");
        File.AppendAllText(Path.Combine(root, "summary.md"), "edited\n");
        File.Delete(Path.Combine(root, "evaluation_outputs_results", "rougeL_results.csv"));
        File.WriteAllText(Path.Combine(root, "notes.txt"), "extra");

        var outcome = BundleVerifier.Verify(root);
        Assert.Equal(3, outcome.Problems.Count);
        Assert.StartsWith($"{root}/evaluation_outputs_results/rougeL_results.csv: missing", outcome.Problems[0]);
        Assert.StartsWith($"{root}/summary.md: changed", outcome.Problems[1]);
        Assert.StartsWith($"{root}/notes.txt: not listed in manifest.json", outcome.Problems[2]);

        var cli = ToolProcess.Lora(_work.Path, "verify", "--bundle", root);
        Assert.Equal(1, cli.ExitCode);
        var lines = cli.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length); // one per problem, then the verdict
        Assert.Contains("summary.md: changed", lines[1]);
    }

    [Fact]
    public void Verify_detects_a_file_altered_inside_the_archive()
    {
        var archive = Publish(_work["artifacts"]).Path;
        var dir = Unpack(archive);
        File.AppendAllText(Path.Combine(dir, "embedded-tiny-0123456", "summary.json"), " ");
        var repacked = _work["repacked.tar.gz"];
        using (var gz = new GZipStream(File.Create(repacked), CompressionLevel.Fastest))
            TarFile.CreateFromDirectory(dir, gz, includeBaseDirectory: false);
        var outcome = BundleVerifier.Verify(repacked);
        Assert.StartsWith($"{repacked}:embedded-tiny-0123456/summary.json: changed", Assert.Single(outcome.Problems));
    }

    [Fact]
    public void Missing_results_fail_with_one_line_naming_the_file_and_nothing_is_written()
    {
        File.Delete(Path.Combine(Results, "summary.md"));
        var e = Assert.Throws<BadInputException>(() => Publish(_work["artifacts"]));
        Assert.Equal($"{Path.Combine(Results, "summary.md")}: not found; run the Report target first (./build.sh --target=Report)", e.Message);

        var cli = ToolProcess.Lora(_work.Path, "publish", "--bank", "embedded", "--data-dir", Data, "--results-dir", Results, "--out", _work["artifacts"]);
        Assert.Equal(2, cli.ExitCode);
        Assert.Equal($"error: {Path.Combine(Results, "summary.md")}: not found; run the Report target first (./build.sh --target=Report)",
            Assert.Single(cli.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.False(Directory.Exists(_work["artifacts"]));
    }

    [Fact]
    public void Results_no_stage_recorded_and_non_bundles_are_rejected_with_one_line()
    {
        Directory.Delete(Path.Combine(Data, ".stages"), recursive: true);
        var e = Assert.Throws<BadInputException>(() => Publish(_work["artifacts"]));
        Assert.StartsWith($"{Path.Combine(Data, ".stages")}: no stage manifest records the results in {Results}", e.Message);

        var notBundle = _work.Write("not-a-bundle.tar.gz", "plain text");
        var cli = ToolProcess.Lora(_work.Path, "verify", "--bundle", notBundle);
        Assert.Equal(2, cli.ExitCode);
        Assert.StartsWith($"error: {notBundle}: not a readable .tar.gz", Assert.Single(cli.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));

        var cli2 = ToolProcess.Lora(_work.Path, "verify", "--bundle", Results);
        Assert.Equal(2, cli2.ExitCode);
        Assert.Equal($"error: {Path.Combine(Results, "manifest.json")}: not found: not an unpacked results bundle", cli2.Stderr.Trim());
    }

    [Fact]
    public void Git_state_is_read_from_the_checkout_and_unknown_outside_one()
    {
        Assert.Equal(GitInfo.None, GitInfo.Read(_work.Path));
        Assert.Equal("embedded-tiny-unknown.tar.gz", Path.GetFileName(Publish(_work["artifacts"], GitInfo.None).Path));

        var repo = _work["repo"];
        Directory.CreateDirectory(repo);
        void Git(params string[] args) => Assert.Equal(0, ToolProcess.Run("git", repo, ["-c", "user.name=t", "-c", "user.email=t@example.com", .. args]).ExitCode);
        Git("init", "-q");
        File.WriteAllText(Path.Combine(repo, "a.txt"), "a");
        Git("add", "a.txt");
        Git("commit", "-q", "-m", "a", "--date=@1600000000");
        var clean = GitInfo.Read(repo);
        Assert.Matches("^[0-9a-f]{40}$", clean.Commit);
        Assert.False(clean.Dirty);
        Assert.NotNull(clean.CommitTime);
        File.WriteAllText(Path.Combine(repo, "a.txt"), "b");
        Assert.True(GitInfo.Read(repo).Dirty);
        Assert.Equal(clean.Commit, GitInfo.Read(repo).Commit);
    }

    [Fact]
    public void Manifest_json_is_the_same_text_on_every_platform()
    {
        var manifest = Publish(_work["artifacts"]).Manifest;
        var text = System.Text.Encoding.UTF8.GetString(manifest.ToBytes());
        Assert.DoesNotContain("\r", text);
        Assert.EndsWith("}\n", text);
        using var doc = JsonDocument.Parse(text);
        Assert.Equal(BundleManifest.CurrentFormat, doc.RootElement.GetProperty("format").GetString());
    }
}
