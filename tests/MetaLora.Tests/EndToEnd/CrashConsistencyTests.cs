using System.Security.Cryptography;
using System.Text.Json;
using MetaLora.Tests.Support;
using MetaLora.IO;
using MetaLora.Study;

namespace MetaLora.Tests.EndToEnd;

/// <summary>
/// Crash consistency of the tiny embedded study: the whole process tree of <c>build.sh</c> is
/// killed with SIGKILL while a stage runs (right after its "running" line), between two stages,
/// or twice in a row; the rerun must end with the bytes of an uninterrupted run and leave no
/// temporary file. One uninterrupted reference run serves every case: a case starts from a copy
/// of it with the killed stage's outputs (and those of every later stage) removed, which also
/// shows that a copied study stays up to date.
/// </summary>
[Collection(BuildScriptCollection.Name)]
public sealed class CrashConsistencyTests(RepoFixture repo) : IDisposable
{
    private readonly TempDir _work = new();

    public void Dispose() => _work.Dispose();

    private static readonly string[] Study = ["--target=Report", "--bank-profile=tiny"];

    private static readonly Lock Gate = new();
    private static Reference? _reference;

    /// <summary>The uninterrupted run: its folders, its stages in run order and each stage's outputs.</summary>
    private sealed record Reference(TempDir Dir, IReadOnlyList<string> Stages, IReadOnlyDictionary<string, IReadOnlyList<string>> Outs)
    {
        public string Data => Dir["data"];
        public string Results => Dir["results"];
    }

    private ProcessResult BuildSh(string data, string results, params string[] extra) =>
        repo.Copy.BuildSh([.. Study, $"--data-dir={data}", $"--results-dir={results}", .. extra]);

    private Reference TheReference()
    {
        lock (Gate)
        {
            if (_reference is not null) return _reference;
            var dir = new TempDir();
            AppDomain.CurrentDomain.ProcessExit += (_, _) => dir.Dispose();
            var run = BuildSh(dir["data"], dir["results"]);
            Assert.True(run.ExitCode == 0, run.Output);
            var stages = run.Stdout.Split('\n').Where(l => l.EndsWith(": running (no record of a previous run)", StringComparison.Ordinal))
                .Select(l => l[..l.IndexOf(": running", StringComparison.Ordinal)]).ToList();
            Assert.True(stages.Count >= 8, run.Output);
            var outs = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            foreach (var stage in stages)
            {
                using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir["data"], ".stages", new StageSpec(stage, new Dictionary<string, string>(), [], []).ManifestFileName)));
                outs[stage] = manifest.RootElement.GetProperty("outs").EnumerateObject().Select(o => o.Name).ToList();
                // Recorded relative to the study's folders, so a copied study stays up to date.
                Assert.All(outs[stage], o => Assert.Matches("^\\{(data|results|bank)\\}/", o));
            }
            return _reference = new Reference(dir, stages, outs);
        }
    }

    /// <summary>A copy of the reference in which <paramref name="stage"/> and every stage after it have never run.</summary>
    private (string Data, string Results) CopyBefore(Reference reference, string stage)
    {
        var data = _work["data"];
        var results = _work["results"];
        var from = reference.Stages.ToList().IndexOf(stage);
        Assert.True(from >= 0, $"no stage {stage} in the reference run");
        if (from == 0)
        {
            Directory.CreateDirectory(data);
            return (data, results);
        }
        CopyTree(reference.Data, data);
        CopyTree(reference.Results, results);
        foreach (var later in reference.Stages.Skip(from))
        {
            foreach (var output in reference.Outs[later])
            {
                var path = output.Replace("{data}", data).Replace("{results}", results).Replace("{bank}", Path.Combine(data, "embedded"));
                File.Delete(path);
                LeaveTemporaryFile(path);
            }
            var record = Path.Combine(data, ".stages", new StageSpec(later, new Dictionary<string, string>(), [], []).ManifestFileName);
            File.Delete(record);
            var items = Path.ChangeExtension(record, ".items");
            if (Directory.Exists(items))
            {
                var ledger = Directory.GetFiles(items, "*.json");
                Directory.Delete(items, recursive: true);
                foreach (var entry in ledger) LeaveTemporaryFile(entry);
            }
        }
        return (data, results);
    }

    /// <summary>
    /// What a writer of <paramref name="path"/> killed between creating its temporary file and
    /// renaming it leaves behind. A kill rarely lands in that window, so the cases plant one for
    /// every file the rerun writes: the rerun must remove them all.
    /// </summary>
    private static void LeaveTemporaryFile(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}{AtomicFile.TempMarker}999999-0123456789abcdef"), "half");
    }

    private static void CopyTree(string from, string to)
    {
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            if (!Path.GetFileName(file).StartsWith(".lock", StringComparison.Ordinal) && !Path.GetFileName(file).StartsWith(".results.lock", StringComparison.Ordinal))
                File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }

    /// <summary>
    /// Starts the study and kills its whole process tree with SIGKILL once a line of its output
    /// satisfies <paramref name="when"/>. Returns the output seen up to the kill.
    /// </summary>
    private string KillWhen(string data, string results, Func<string, bool> when, int delayMs)
    {
        using var process = ToolProcess.Start("bash", repo.Copy.Root, ["build.sh", .. Study, $"--data-dir={data}", $"--results-dir={results}"]);
        var seen = new System.Text.StringBuilder();
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (process.StandardOutput.ReadLine() is { } line)
        {
            seen.AppendLine(line);
            if (!when(line)) continue;
            if (delayMs > 0) Thread.Sleep(delayMs);
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return seen.ToString();
        }
        process.WaitForExit();
        Assert.Fail($"the run ended before it could be killed:\n{seen}{process.StandardError.ReadToEnd()}");
        return "";
    }

    /// <summary>Every file the study wrote, by content; the stage records and locks are not results.</summary>
    private static SortedDictionary<string, string> Files(string data, string results)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (label, root) in new[] { ("data", data), ("results", results) })
            foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(root, file);
                if (relative.Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.'))) continue;
                files[$"{label}/{relative}"] = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file)));
            }
        return files;
    }

    private static void AssertNoTemporaryFiles(params string[] roots)
    {
        foreach (var root in roots.Where(Directory.Exists))
        {
            var stray = Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories)
                .Where(p => Path.GetFileName(p).Contains(AtomicFile.TempMarker, StringComparison.Ordinal) || p.EndsWith(".building", StringComparison.Ordinal)
                            || (Path.GetFileName(p) == "staged" && Directory.EnumerateFileSystemEntries(p).Any()))
                .ToList();
            Assert.True(stray.Count == 0, "temporary files left:\n" + string.Join('\n', stray));
        }
    }

    private void AssertRerunMatchesReference(Reference reference, string data, string results, string killedOutput)
    {
        var rerun = BuildSh(data, results);
        Assert.True(rerun.ExitCode == 0, killedOutput + "\n--- rerun\n" + rerun.Output);
        Assert.Equal(Files(reference.Data, reference.Results), Files(data, results));
        AssertNoTemporaryFiles(data, results);
        var again = BuildSh(data, results);
        Assert.True(again.ExitCode == 0, again.Output);
        Assert.DoesNotContain(": running", again.Stdout);
    }

    public static TheoryData<string, int> Stages() => new()
    {
        { "Bank.embedded", 1500 },
        { "Tokenize", 0 },
        { "Distances.KL", 0 },
        { "Coefficients.KL.base_version", 0 },
        { "Predict.KL.base_version", 0 },
        { "Infer.base", 150 },
        { "Infer.KL_base_version", 0 },
        { "Evaluate", 0 },
        { "Report", 50 },
    };

    [Theory]
    [MemberData(nameof(Stages))]
    public void Killed_while_a_stage_runs_the_rerun_ends_with_the_reference_bytes_and_no_temporary_file(string stage, int delayMs)
    {
        var reference = TheReference();
        var (data, results) = CopyBefore(reference, stage);
        var killed = KillWhen(data, results, line => line.StartsWith($"{stage}: running", StringComparison.Ordinal), delayMs);
        AssertRerunMatchesReference(reference, data, results, killed);
    }

    [Fact]
    public void Killed_between_two_stages_the_rerun_ends_with_the_reference_bytes()
    {
        var reference = TheReference();
        var (data, results) = CopyBefore(reference, "Tokenize");
        var killed = KillWhen(data, results, line => line.StartsWith("Tokenize: done in", StringComparison.Ordinal), 0);
        AssertRerunMatchesReference(reference, data, results, killed);
    }

    [Fact]
    public void Killed_twice_in_a_row_the_third_run_ends_with_the_reference_bytes()
    {
        var reference = TheReference();
        var (data, results) = CopyBefore(reference, "Predict.KL.base_version");
        var first = KillWhen(data, results, line => line.StartsWith("Predict.KL.base_version: running", StringComparison.Ordinal), 0);
        var second = KillWhen(data, results, line => line.StartsWith("Infer.", StringComparison.Ordinal) && line.Contains(": running", StringComparison.Ordinal), 100);
        AssertRerunMatchesReference(reference, data, results, first + "\n--- second\n" + second);
    }

    [Fact]
    public void A_moved_study_stays_up_to_date_and_a_different_bank_still_reruns()
    {
        var reference = TheReference();
        var data = _work["moved/data"];
        var results = _work["moved/results"];
        CopyTree(reference.Data, data);
        CopyTree(reference.Results, results);
        var moved = BuildSh(data, results);
        Assert.True(moved.ExitCode == 0, moved.Output);
        Assert.DoesNotContain(": running", moved.Stdout);
        Assert.Equal(Files(reference.Data, reference.Results), Files(data, results));

        // The same folders with one train split changed in the bank: the chain from Tokenize reruns.
        var train = Directory.EnumerateFiles(Path.Combine(data, "embedded", "datasets"), "train.jsonl", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
        File.AppendAllText(train, File.ReadLines(train).First() + "\n");
        var changed = BuildSh(data, results, "--dryrun");
        Assert.True(changed.ExitCode == 0, changed.Output);
        Assert.Contains("Bank.embedded: out of date (output changed: ", changed.Stdout);
    }
}
