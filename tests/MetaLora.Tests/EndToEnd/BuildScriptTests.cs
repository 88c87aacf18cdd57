using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using MetaLora.Bank;
using MetaLora.Tests.Hub;
using MetaLora.Tests.Support;

namespace MetaLora.Tests.EndToEnd;

/// <summary>
/// The real build.sh (Cake, the lora tool, the stage manifests) on small fixture banks, in a copy
/// of the repository so a source file can be edited.
/// </summary>
[Collection(BuildScriptCollection.Name)]
public sealed class BuildScriptTests(RepoFixture repo) : IDisposable
{
    private readonly TempDir _work = new();

    public void Dispose() => _work.Dispose();

    private static readonly string[] Stages = ["Tokenize", "Distances.WD", "Distances.KL", "Distances.JS", "Distances.MMD"];

    private ProcessResult Run(string bank, string data, params string[] extra)
    {
        var result = repo.Copy.BuildSh(["--target=Distances", "--metric=all", $"--bank-dir={bank}", $"--data-dir={data}", .. extra]);
        Assert.True(result.ExitCode == 0, $"build.sh failed ({result.ExitCode}):\n{result.Output}");
        return result;
    }

    private static Dictionary<string, (DateTime Time, string Hash)> Snapshot(string data) =>
        Directory.EnumerateFiles(Path.Combine(data, "preprocessed"), "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(data, f), f => (File.GetLastWriteTimeUtc(f), Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))));

    private static void AssertStage(string output, string stage, string state) =>
        Assert.True(output.Contains($"{stage}: {state}"), $"expected '{stage}: {state}' in:\n{output}");

    [Fact]
    public void Reruns_only_what_changed_with_early_cutoff()
    {
        var bank = _work["bank"];
        var data = _work["data"];
        var tasks = FixtureBank.Create(bank, tasks: 6);

        var first = Run(bank, data);
        foreach (var s in Stages) AssertStage(first.Stdout, s, "running");
        foreach (var t in tasks) Assert.True(File.Exists(Path.Combine(data, "preprocessed", "tokens", t + ".npy")));
        foreach (var m in new[] { "WD", "KL", "JS", "MMD" })
            Assert.Equal(tasks.Count + 1, File.ReadAllLines(Path.Combine(data, "preprocessed", "distances", m + ".csv")).Length);

        // 1. Unchanged: every stage up to date, nothing rewritten.
        var before = Snapshot(data);
        var second = Run(bank, data);
        foreach (var s in Stages) AssertStage(second.Stdout, s, "up to date");
        Assert.Equal(before, Snapshot(data));

        // 2. One task's train split edited: only that task re-tokenized, every distance recomputed.
        var edited = Path.Combine(bank, "datasets", tasks[2], "train.jsonl");
        File.AppendAllText(edited, "{\"id\": \"extra\", \"input\": \"Input: plum plum plum\", \"output\": [\"plum\"]}\n");
        var third = Run(bank, data);
        AssertStage(third.Stdout, "Tokenize", "running");
        Assert.Contains($"1 of {tasks.Count} tasks tokenized", third.Stdout);
        foreach (var s in Stages[1..]) AssertStage(third.Stdout, s, "running");
        var after = Snapshot(data);
        foreach (var t in tasks)
        {
            var key = Path.Combine("preprocessed", "tokens", t + ".npy");
            Assert.Equal(t == tasks[2], before[key] != after[key]);
        }

        // 3. Early cut-off: a train file rewritten with the same samples (other JSON spacing) is
        //    re-tokenized, gives the same bytes, and the distances are not recomputed.
        var reformatted = Path.Combine(bank, "datasets", tasks[3], "train.jsonl");
        File.WriteAllText(reformatted, File.ReadAllText(reformatted).Replace("\":\"", "\": \"").Replace("\",\"", "\", \""));
        var fourth = Run(bank, data);
        AssertStage(fourth.Stdout, "Tokenize", "running");
        Assert.Contains($"1 of {tasks.Count} tasks tokenized", fourth.Stdout);
        foreach (var s in Stages[1..]) AssertStage(fourth.Stdout, s, "up to date");

        // 4. A comment in KL.cs: the compiled code is the same, nothing reruns.
        var klBefore = File.ReadAllBytes(Path.Combine(data, "preprocessed", "distances", "KL.csv"));
        var kl = Path.Combine(repo.Copy.Root, "src", "MetaLora", "Distances", "KL.cs");
        var klSource = File.ReadAllText(kl);
        File.AppendAllText(kl, "\n// edited by a test\n");
        var fifth = Run(bank, data);
        foreach (var s in Stages) AssertStage(fifth.Stdout, s, "up to date");

        // 5. KL's code changed without changing its numbers (x * 1.0): --dryrun says why Distances.KL
        //    would run and writes nothing; the run recomputes it with the same bytes.
        File.WriteAllText(kl, klSource.Replace("return (Lanes.Sum(pq), -Lanes.Sum(qp));", "return (Lanes.Sum(pq) * 1.0, -Lanes.Sum(qp));"));
        var manifests = Directory.GetFiles(Path.Combine(data, ".stages"), "*.json").ToDictionary(f => f, File.ReadAllBytes);
        var dry = Run(bank, data, "--dryrun");
        AssertStage(dry.Stdout, "Distances.KL", "out of date (code changed: src/MetaLora/Distances/KL.cs)");
        foreach (var s in new[] { "Tokenize", "Distances.WD", "Distances.JS", "Distances.MMD" }) AssertStage(dry.Stdout, s, "up to date");
        Assert.All(manifests, m => Assert.Equal(m.Value, File.ReadAllBytes(m.Key)));
        var sixth = Run(bank, data);
        AssertStage(sixth.Stdout, "Tokenize", "up to date");
        AssertStage(sixth.Stdout, "Distances.KL", "running (code changed: src/MetaLora/Distances/KL.cs)");
        foreach (var s in new[] { "Distances.WD", "Distances.JS", "Distances.MMD" }) AssertStage(sixth.Stdout, s, "up to date");
        Assert.Equal(klBefore, File.ReadAllBytes(Path.Combine(data, "preprocessed", "distances", "KL.csv")));
        File.WriteAllText(kl, klSource);
    }

    [Fact]
    public void Clean_deletes_what_runs_wrote_but_not_the_bank_nor_the_results_readme()
    {
        var data = _work["data"];
        var results = _work["results"];
        foreach (var file in new[] { "data/preprocessed/distances/KL.csv", "data/.stages/Tokenize.json", "data/predicted_adapters/KL/x/adapter_model.safetensors",
                                     "data/embedded/bank.json", "results/README.md", "results/summary.md", "results/models_generated_outputs/base/t.jsonl" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_work[file])!);
            File.WriteAllText(_work[file], file);
        }
        var clean = repo.Copy.BuildSh("--target=Clean", $"--data-dir={data}", $"--results-dir={results}");
        Assert.True(clean.ExitCode == 0, clean.Output);
        var left = Directory.EnumerateFiles(_work.Path, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(_work.Path, f).Replace('\\', '/'))
            .Where(f => !f.StartsWith("data/.lock", StringComparison.Ordinal)).Order(StringComparer.Ordinal); // the data folder's lock stays
        Assert.Equal(["data/embedded/bank.json", "results/README.md"], left);
        Assert.Equal(["results/README.md"], Directory.EnumerateFileSystemEntries(results).Select(f => Path.GetRelativePath(_work.Path, f).Replace('\\', '/')));

        // Without a README.md the results folder goes as a whole.
        File.Delete(_work["results/README.md"]);
        Assert.Equal(0, repo.Copy.BuildSh("--target=Clean", $"--data-dir={data}", $"--results-dir={results}").ExitCode);
        Assert.False(Directory.Exists(results));
    }

    [Fact]
    public void Killed_mid_stage_resumes_and_ends_with_the_same_bytes_as_a_clean_run()
    {
        var bank = _work["bank"];
        var tasks = FixtureBank.Create(bank, tasks: 40, samples: 2500, wordsPerInput: 60);
        var data = _work["data"];
        var tokens = Path.Combine(data, "preprocessed", "tokens");
        var staged = Path.Combine(data, ".stages", "Tokenize.items", "staged");

        // Make sure the tool is built so the kill lands in the Tokenize stage, not in the build.
        repo.Copy.BuildSh("--target=Clean", $"--data-dir={data}");
        using (var process = ToolProcess.Start("bash", repo.Copy.Root, ["build.sh", "--target=Tokenize", $"--bank-dir={bank}", $"--data-dir={data}"]))
        {
            var deadline = DateTime.UtcNow.AddMinutes(5);
            while (!(Directory.Exists(staged) && Directory.EnumerateFiles(staged, "*.json").Any()))
            {
                if (process.HasExited)
                    Assert.Fail($"the run finished before it could be killed:\n{process.StandardOutput.ReadToEnd()}{process.StandardError.ReadToEnd()}");
                Assert.True(DateTime.UtcNow < deadline, "no task was tokenized in time");
                Thread.Sleep(5);
            }
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        var done = Directory.EnumerateFiles(staged, "*.json").Count();
        Assert.InRange(done, 1, tasks.Count - 1);
        Assert.False(Directory.Exists(tokens) && Directory.EnumerateFiles(tokens, "*.npy").Any(), "outputs appeared before the stage finished");

        var rerun = repo.Copy.BuildSh("--target=Tokenize", $"--bank-dir={bank}", $"--data-dir={data}");
        Assert.True(rerun.ExitCode == 0, rerun.Output);
        var resumed = Regex.Match(rerun.Stdout, @"40 of 40 tasks tokenized \((\d+) kept from an interrupted run\)");
        Assert.True(resumed.Success, rerun.Output);
        Assert.InRange(int.Parse(resumed.Groups[1].Value), 1, done);
        Assert.Empty(Directory.EnumerateFiles(data, "*partial*", SearchOption.AllDirectories));

        var clean = _work["clean"];
        var reference = ToolProcess.Lora(_work.Path, "tokenize", $"--bank-dir={bank}", $"--data-dir={clean}");
        Assert.True(reference.ExitCode == 0, reference.Output);
        foreach (var t in tasks)
            Assert.Equal(File.ReadAllBytes(Path.Combine(clean, "preprocessed", "tokens", t + ".npy")), File.ReadAllBytes(Path.Combine(tokens, t + ".npy")));
    }

    [Fact]
    public void Predict_reruns_only_the_chain_of_the_metric_whose_distances_changed()
    {
        var bank = _work["bank"];
        var data = _work["data"];
        var tasks = FixtureBank.Create(bank, tasks: 6);
        SyntheticAdapters.Write(Path.Combine(bank, "adapters"), tasks.Count, names: tasks);
        string[] args = ["--target=Predict", "--metric=KL,JS", "--model=all", "--mlp-hidden=16", $"--bank-dir={bank}", $"--data-dir={data}"];
        string[] chain(string m) => [$"Distances.{m}", .. new[] { "base_version", "normalized_version", "mlp_version" }.SelectMany(model => new[] { $"Coefficients.{m}.{model}", $"Predict.{m}.{model}" })];

        var first = repo.Copy.BuildSh(args);
        Assert.True(first.ExitCode == 0, first.Output);
        foreach (var s in chain("KL").Concat(chain("JS")).Append("Gram")) AssertStage(first.Stdout, s, "running");
        foreach (var m in new[] { "KL", "JS" })
            foreach (var model in new[] { "base_version", "normalized_version", "mlp_version" })
            {
                var c = MetaLora.Formats.MatrixCsv.Read(Path.Combine(data, "coefficients", m, model, "coefficients.csv"));
                for (var i = 0; i < tasks.Count; i++)
                    Assert.Equal(1.0, Enumerable.Range(0, tasks.Count).Sum(j => c.Values[i, j]), 1e-9);
                foreach (var t in tasks)
                    Assert.True(MetaLora.Formats.PeftAdapter.IsComplete(Path.Combine(data, "predicted_adapters", m, model, t)));
            }
        // A header, the loss before each of the 40 steps, and the loss after the last.
        Assert.Equal(1 + 41, File.ReadAllLines(Path.Combine(data, "coefficients", "KL", "mlp_version", "training_log.csv")).Length);

        var second = repo.Copy.BuildSh(args);
        Assert.True(second.ExitCode == 0, second.Output);
        foreach (var s in chain("KL").Concat(chain("JS")).Append("Gram")) AssertStage(second.Stdout, s, "up to date");

        // KL's implementation changed so that its values double: the KL chain reruns, JS's does not. Row
        // standardisation is scale-invariant, so normalized_version and mlp_version recompute the same
        // coefficients and (early cut-off) their predicted adapters are not rebuilt.
        var third = BuildWithKlEdited("return (2 * Lanes.Sum(pq), -2 * Lanes.Sum(qp));", args);
        foreach (var s in new[] { "Distances.KL", "Coefficients.KL.base_version", "Coefficients.KL.normalized_version", "Coefficients.KL.mlp_version", "Predict.KL.base_version" })
            AssertStage(third.Stdout, s, "running");
        foreach (var s in chain("JS").Concat(["Gram", "Tokenize", "Predict.KL.normalized_version", "Predict.KL.mlp_version"]))
            AssertStage(third.Stdout, s, "up to date");
    }

    /// <summary>Runs build.sh with KL's chunk sum replaced by <paramref name="replacement"/>, then restores KL.cs.</summary>
    private ProcessResult BuildWithKlEdited(string replacement, string[] args)
    {
        var kl = Path.Combine(repo.Copy.Root, "src", "MetaLora", "Distances", "KL.cs");
        var source = File.ReadAllText(kl);
        const string Line = "return (Lanes.Sum(pq), -Lanes.Sum(qp));";
        Assert.Contains(Line, source);
        File.WriteAllText(kl, source.Replace(Line, replacement));
        try
        {
            var result = repo.Copy.BuildSh(args);
            Assert.True(result.ExitCode == 0, result.Output);
            return result;
        }
        finally
        {
            File.WriteAllText(kl, source);
        }
    }

    [Fact]
    public void Report_fills_all_14_columns_then_an_edit_of_KL_reruns_only_the_KL_chain()
    {
        var data = _work["data"];
        var results = _work["results"];
        string[] args = ["--target=Report", "--metric=all", "--model=all", "--bank-profile=tiny", "--mlp-hidden=16", "--max-new-tokens=8", $"--data-dir={data}", $"--results-dir={results}"];
        string[] models = ["base_version", "normalized_version", "mlp_version"];
        string[] pipelines = ["base", "finetuned", .. new[] { "WD", "KL", "JS", "MMD" }.SelectMany(m => models.Select(model => $"{m}_{model}"))];
        string[] Chain(string m) => [$"Distances.{m}", .. models.SelectMany(model => new[] { $"Coefficients.{m}.{model}", $"Predict.{m}.{model}", $"Infer.{m}_{model}" })];

        var first = repo.Copy.BuildSh(args);
        Assert.True(first.ExitCode == 0, first.Output);
        var table = File.ReadAllLines(Path.Combine(results, "evaluation_outputs_results", "rougeL_results.csv"));
        Assert.Equal("task," + string.Join(",", pipelines), table[0]);
        Assert.Equal(1 + 6, table.Length);
        Assert.All(table.Skip(1), row => Assert.DoesNotContain(",,", row + ","));
        foreach (var score in new[] { "exact_match", "subsequence_match", "rougeLsum" })
            Assert.True(File.Exists(Path.Combine(results, "evaluation_outputs_results", score + "_results.csv")));
        Assert.Contains("| MMD_mlp_version | 6 |", File.ReadAllText(Path.Combine(results, "summary.md")));
        // Figures: means per pipeline, a heatmap per predicted pipeline, a scatter per pipeline but base.
        Assert.Equal(1 + 12 + 13, Directory.GetFiles(results, "*.png").Length);
        var page = File.ReadAllBytes(Path.Combine(results, "report.html"));
        Assert.Equal(6, Regex.Matches(Encoding.UTF8.GetString(page), "<details class=\"task\"").Count);

        var second = repo.Copy.BuildSh(args);
        Assert.True(second.ExitCode == 0, second.Output);
        foreach (var s in pipelines.Select(p => $"Infer.{p}").Concat(["Evaluate", "Report"]).Concat(Chain("KL"))) AssertStage(second.Stdout, s, "up to date");

        // KL's implementation changed (one direction's sums scaled): the KL chain reruns, nothing else does;
        // Evaluate reruns exactly when a KL output changed.
        var outputs = Path.Combine(results, "models_generated_outputs");
        string Hashes() => string.Join("\n", Directory.EnumerateFiles(outputs, "*.jsonl", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))));
        var before = Hashes();
        var third = BuildWithKlEdited("return (1.5 * Lanes.Sum(pq), -Lanes.Sum(qp));", args);
        foreach (var s in Chain("KL")) AssertStage(third.Stdout, s, "running");
        foreach (var s in new[] { "Bank.embedded", "Tokenize", "Gram", "Infer.base", "Infer.finetuned" }.Concat(Chain("WD")).Concat(Chain("JS")).Concat(Chain("MMD")))
            AssertStage(third.Stdout, s, "up to date");
        AssertStage(third.Stdout, "Evaluate", Hashes() == before ? "up to date" : "running");
        AssertStage(third.Stdout, "Report", "running"); // the KL heatmaps changed
        Assert.NotEqual(page, File.ReadAllBytes(Path.Combine(results, "report.html")));
    }

    [Fact]
    public void Publish_bundles_the_tiny_study_with_the_same_bytes_twice_and_verify_accepts_it()
    {
        var data = _work["data"];
        var results = _work["results"];
        string[] args = ["--target=Publish", "--metric=KL", "--model=base_version", "--bank-profile=tiny", "--max-new-tokens=8", $"--data-dir={data}", $"--results-dir={results}"];
        // The repository copy is not a git checkout: the commit is "unknown".
        var bundle = Path.Combine(repo.Copy.Root, "artifacts", "embedded-tiny-unknown.tar.gz");

        var first = repo.Copy.BuildSh(args);
        Assert.True(first.ExitCode == 0, first.Output);
        // 4 tables, 2 summaries, the page, 4 figures (means, the KL heatmap, scatters of finetuned and KL).
        Assert.Contains("Publish: artifacts/embedded-tiny-unknown.tar.gz: 11 files, 10 stages, commit unknown (not a git checkout)", first.Stdout);
        var bytes = File.ReadAllBytes(bundle);

        var second = repo.Copy.BuildSh(args);
        Assert.True(second.ExitCode == 0, second.Output);
        AssertStage(second.Stdout, "Report", "up to date");
        Assert.Equal(bytes, File.ReadAllBytes(bundle));

        var verify = ToolProcess.Lora(repo.Copy.Root, "verify", "--bundle", bundle);
        Assert.True(verify.ExitCode == 0, verify.Output);
        var manifest = MetaLora.Reporting.Publish.BundleVerifier.Verify(bundle).Manifest;
        Assert.Equal(["Bank.embedded", "Tokenize", "Distances.KL", "Coefficients.KL.base_version", "Predict.KL.base_version",
            "Infer.KL_base_version", "Infer.base", "Infer.finetuned", "Evaluate", "Report"], manifest.Stages.Select(s => s.Name));
        Assert.All(manifest.Stages, s => Assert.True(s.DurationSeconds > 0, s.Name));
        Assert.Equal(("Publish", "KL", "base_version", "tiny", "8"),
            (manifest.Arguments["target"], manifest.Arguments["metric"], manifest.Arguments["model"], manifest.Arguments["bank-profile"], manifest.Arguments["max-new-tokens"]));
        Assert.Null(manifest.Git.Dirty);
        Assert.Equal(File.ReadAllText(Path.Combine(results, "summary.md")),
            System.Text.Encoding.UTF8.GetString(MetaLora.Reporting.Publish.DeterministicTarGz.Read(bundle)["embedded-tiny-unknown/summary.md"]));
    }

    [Fact]
    public void Without_a_bank_dir_the_embedded_bank_is_built_once_and_then_up_to_date()
    {
        var data = _work["data"];
        string[] args = ["--target=Tokenize", "--bank-profile=tiny", $"--data-dir={data}"];
        var first = repo.Copy.BuildSh(args);
        Assert.True(first.ExitCode == 0, $"build.sh failed ({first.ExitCode}):\n{first.Output}");
        Assert.True(File.Exists(Path.Combine(data, "embedded", "bank.json")), first.Output);
        Assert.Equal(6, Directory.GetFiles(Path.Combine(data, "preprocessed", "tokens"), "*.npy").Length);

        var second = repo.Copy.BuildSh(args);
        Assert.True(second.ExitCode == 0, $"build.sh failed ({second.ExitCode}):\n{second.Output}");
        AssertStage(second.Output, "Bank.embedded", "up to date");
        AssertStage(second.Output, "Tokenize", "up to date");
    }

    [Theory]
    [InlineData("--metric=XX", "unknown metric 'XX'; valid metrics: WD, KL, JS, MMD, all")]
    [InlineData("--target=Nope", "unknown target 'Nope'; valid: Bank, Tokenize, Distances, Predict, Infer, Evaluate, Report, Publish, Clean")]
    [InlineData("--target=Bank", "--target=Bank makes a bank; with --bank-dir name which one with --bank (embedded, lots-of-loras)")]
    [InlineData("--metrics=KL", "unknown argument --metrics; valid:")]
    [InlineData("--limit=-3", "--limit=-3: expected a whole number >= 0")]
    [InlineData("--bank=foo", "unknown bank 'foo'; valid: embedded, lots-of-loras")]
    [InlineData("--mlp-engine=fast", "unknown mlp engine 'fast'; valid: sweep, dense")]
    public void Bad_arguments_fail_at_once_listing_valid_values(string argument, string message)
    {
        var data = _work["data"];
        var result = repo.Copy.BuildSh(argument, $"--data-dir={data}", $"--bank-dir={_work["no-bank"]}");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(message, result.Stderr);
        Assert.False(Directory.Exists(Path.Combine(data, "preprocessed")));
    }

    [Fact]
    public void Bank_lots_of_loras_fetches_the_bank_then_the_stages_run_on_it()
    {
        using var hub = new FakeHub();
        var tasks = LotsOfLoras.Tasks.Take(2).ToArray();
        FakeLotsOfLoras.Serve(hub, _work["adapter-sources"], tasks);
        var data = _work["data"];
        // No --bank-dir: the bank goes to <data-dir>/raw_input. The token comes from HF_TOKEN here.
        ProcessResult Build() => ToolProcess.Run("bash", repo.Copy.Root,
            ["build.sh", "--target=Distances", "--metric=KL", "--bank=lots-of-loras", "--limit=2", $"--data-dir={data}"],
            TimeSpan.FromMinutes(10), new Dictionary<string, string?> { ["HF_ENDPOINT"] = hub.Endpoint, ["HF_TOKEN"] = hub.AcceptedToken });

        var first = Build();
        Assert.True(first.ExitCode == 0, $"build.sh failed ({first.ExitCode}):\n{first.Output}");
        foreach (var s in new[] { "Bank", "Tokenize", "Distances.KL" }) AssertStage(first.Stdout, s, "running");
        Assert.Equal(tasks.Select(t => t.Task), BankInfo.Load(Path.Combine(data, "raw_input")).Tasks);
        foreach (var t in tasks) Assert.True(File.Exists(Path.Combine(data, "preprocessed", "tokens", t.Task + ".npy")));
        Assert.DoesNotContain(hub.AcceptedToken, first.Output);
        foreach (var file in Directory.EnumerateFiles(data, "*", SearchOption.AllDirectories))
            Assert.DoesNotContain(hub.AcceptedToken, System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(file)));

        var requests = hub.Requests.Count;
        var second = Build();
        Assert.True(second.ExitCode == 0, second.Output);
        foreach (var s in new[] { "Bank", "Tokenize", "Distances.KL" }) AssertStage(second.Stdout, s, "up to date");
        Assert.Equal(requests, hub.Requests.Count);
    }

    [Fact]
    public void Same_inputs_give_byte_identical_artifacts_and_powershell_bootstrap_works()
    {
        var bank = _work["bank"];
        FixtureBank.Create(bank, tasks: 5);
        Run(bank, _work["a"]);
        var ps = ToolProcess.Run("dotnet", repo.Copy.Root,
            ["pwsh", "-NoProfile", "-File", "build.ps1", "--target=Distances", "--metric=all", $"--bank-dir={bank}", $"--data-dir={_work["b"]}"], TimeSpan.FromMinutes(10));
        Assert.True(ps.ExitCode == 0, ps.Output);
        var a = Snapshot(_work["a"]).ToDictionary(kv => kv.Key, kv => kv.Value.Hash);
        var b = Snapshot(_work["b"]).ToDictionary(kv => kv.Key, kv => kv.Value.Hash);
        Assert.Equal(a, b);
    }
}

/// <summary>One repository copy for all build-script tests, which run one after another.</summary>
public sealed class RepoFixture : IDisposable
{
    public RepoCopy Copy { get; } = new();
    public void Dispose() => Copy.Dispose();
}

[CollectionDefinition(Name)]
public sealed class BuildScriptCollection : ICollectionFixture<RepoFixture>
{
    public const string Name = "build script";
}
