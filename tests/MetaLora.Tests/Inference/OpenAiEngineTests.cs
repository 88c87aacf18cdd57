using System.Text.RegularExpressions;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using MetaLora.Tests.Support;
using MetaLora.Tests.Serving;

namespace MetaLora.Tests.Inference;

/// <summary>
/// Infer with <c>--engine openai</c> against a real <c>lora serve</c> on 127.0.0.1 (and a real fault-injecting
/// proxy in front of it): the same bytes as local Infer, retries, and the failures a user meets.
/// </summary>
public sealed class OpenAiEngineTests(ServedStudy study) : IClassFixture<ServedStudy>
{
    [Fact]
    public void Infer_through_lora_serve_writes_the_local_bytes_for_base_finetuned_and_a_predicted_pipeline()
    {
        var results = study.Folder("served");
        var run = study.Lora(["run", "--group", "Infer", .. study.Study, $"--results-dir={results}", "--engine=openai", $"--endpoint={study.Server.Url}"]);
        Assert.True(run.ExitCode == 0, run.Output);
        var expected = study.LocalOutputs(ServedStudy.Pipelines);
        Assert.Equal(3 * 6, expected.Count);
        Assert.Equal(expected, ServedStudy.Outputs(results));
        foreach (var pipeline in ServedStudy.Pipelines)
            Assert.Contains($"Infer.{pipeline}: 6 of 6 tasks generated (36 samples), 0 up to date", run.Stdout);

        // Every adapter the run loaded was unloaded after its task.
        Assert.Equal(["embedded"], Models(study.Server.Url));

        // Resumable: an unchanged rerun sends nothing; a server restarted elsewhere (a new URL, the same
        // model) keeps every task, as the key names the model, not the URL.
        var again = study.Lora(["run", "--group", "Infer", .. study.Study, $"--results-dir={results}", "--engine=openai", $"--endpoint={study.Server.Url}"]);
        Assert.True(again.ExitCode == 0, again.Output);
        foreach (var pipeline in ServedStudy.Pipelines) Assert.Contains($"Infer.{pipeline}: up to date", again.Stdout);
        using var moved = new ServeProcess(study.Root, null, "--bank-dir", study.Bank, "--allow-adapter-dir", study.Data);
        var elsewhere = study.Lora(["run", "--group", "Infer", .. study.Study, $"--results-dir={results}", "--engine=openai", $"--endpoint={moved.Url}/v1"]);
        Assert.True(elsewhere.ExitCode == 0, elsewhere.Output);
        foreach (var pipeline in ServedStudy.Pipelines)
            Assert.Contains($"Infer.{pipeline}: 0 of 6 tasks generated (0 samples), 6 up to date", elsewhere.Stdout);
        Assert.Equal(expected, ServedStudy.Outputs(results));
    }

    [Fact]
    public void A_barely_trained_bank_with_long_varied_answers_gives_the_same_bytes_through_lora_serve_and_whatever_the_batch()
    {
        // The tiny bank's answers are short; this one's run to 24 tokens of varied words, so every step of
        // greedy decoding, the stopping and the decoding to text are compared.
        var bank = study.Folder("varied-bank");
        var build = study.Lora("bank", "build", "--out", bank, "--tasks", "4", "--train-samples", "16", "--valid-samples", "2", "--test-samples", "8",
            "--generic-samples", "80", "--hidden", "32", "--intermediate", "64", "--base-steps", "1", "--lora-steps", "1", "--lora-batch", "8", "--lora-lr", "0.05");
        Assert.True(build.ExitCode == 0, build.Output);
        string[] Run(string name, params string[] more) =>
        [
            "infer", "--pipeline", "base,finetuned", "--bank-dir", bank, "--data-dir", study.Folder(name + "-data"), "--results-dir", study.Folder(name),
            "--max-new-tokens", "24", .. more,
        ];
        var local = study.Lora(Run("varied-local"));
        Assert.True(local.ExitCode == 0, local.Output);
        var expected = ServedStudy.Outputs(study.Folder("varied-local"));
        var predictions = expected.Values.SelectMany(b => System.Text.Encoding.UTF8.GetString(b).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("prediction").GetString()!).ToArray();
        Assert.Equal(2 * 4 * 8, predictions.Length);
        Assert.True(predictions.Distinct().Count() >= 4 && predictions.Count(p => p.Split(' ').Length >= 10) >= 8, string.Join(" | ", predictions));

        var single = study.Lora(Run("varied-batch1", "--batch-size", "1"));
        Assert.True(single.ExitCode == 0, single.Output);
        Assert.Equal(expected, ServedStudy.Outputs(study.Folder("varied-batch1")));

        using var server = new ServeProcess(study.Root, null, "--bank-dir", bank);
        var served = study.Lora(Run("varied-served", "--engine", "openai", "--endpoint", server.Url));
        Assert.True(served.ExitCode == 0, served.Output);
        Assert.Equal(expected, ServedStudy.Outputs(study.Folder("varied-served")));
    }

    [Fact]
    public void Local_generation_gives_the_same_bytes_whatever_the_batch_so_the_servers_batching_cannot_change_them()
    {
        var results = study.Folder("batch1");
        var run = study.Lora(["infer", "--pipeline", string.Join(',', ServedStudy.Pipelines), "--bank-dir", study.Bank, "--data-dir", study.Data,
            "--results-dir", results, "--max-new-tokens", "24", "--batch-size", "1"]);
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Equal(study.LocalOutputs(ServedStudy.Pipelines), ServedStudy.Outputs(results));
    }

    [Fact]
    public async Task A_500_a_dropped_connection_and_a_429_with_retry_after_are_retried_and_end_with_the_same_outputs()
    {
        await using var proxy = FaultProxy.Start(study.Server.Url, new Dictionary<int, FaultProxy.Fault>
        {
            [2] = FaultProxy.Fault.ServerError, [5] = FaultProxy.Fault.DropConnection, [9] = FaultProxy.Fault.TooManyRequests,
        });
        var results = study.Folder("faults");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var run = study.Lora(Infer(proxy.Url, results, "finetuned", "--concurrency", "4"));
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Equal([FaultProxy.Fault.ServerError, FaultProxy.Fault.DropConnection, FaultProxy.Fault.TooManyRequests], proxy.Injected.Order().ToArray());
        Assert.Equal(36 + 3, proxy.Completions);
        // With four requests in flight, a later fault can fall on the retry of an earlier one: its attempt number is then 2.
        Assert.Matches(@"HTTP 500 Internal Server Error; retry [12] of 6", run.Output);
        Assert.Matches(@"HTTP 429 Too Many Requests; retry [12] of 6 in 1\.0 s", run.Output);
        Assert.Equal(3, run.Output.Split('\n').Count(l => Regex.IsMatch(l, @"; retry [12] of 6")));
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1), "Retry-After: 1 was not waited for");
        Assert.Equal(study.LocalOutputs("finetuned"), ServedStudy.Outputs(results));
    }

    [Fact]
    public async Task An_adapter_the_server_forgot_mid_task_is_loaded_again()
    {
        await using var proxy = FaultProxy.Start(study.Server.Url, new Dictionary<int, FaultProxy.Fault> { [3] = FaultProxy.Fault.ForgetAdapter });
        var results = study.Folder("forgot");
        var run = study.Lora(Infer(proxy.Url, results, "finetuned", "--concurrency", "1"));
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Equal([FaultProxy.Fault.ForgetAdapter], proxy.Injected.ToArray());
        Assert.Equal(study.LocalOutputs("finetuned"), ServedStudy.Outputs(results));
        Assert.Equal(["embedded"], Models(study.Server.Url));
    }

    [Fact]
    public void A_server_without_run_time_loading_serves_its_start_up_adapters_and_says_how_to_start_it_for_others()
    {
        using var server = new ServeProcess(study.Root, null, "--bank-dir", study.Bank, "--no-runtime-loading",
            "--adapters", $"finetuned={Path.Combine(study.Bank, "adapters")}");
        Assert.Contains("6 adapters, no run-time loading", server.Output);
        var results = study.Folder("static");
        var finetuned = study.Lora(Infer(server.Url, results, "finetuned"));
        Assert.True(finetuned.ExitCode == 0, finetuned.Output);
        Assert.Equal(study.LocalOutputs("finetuned"), ServedStudy.Outputs(results));
        Assert.Equal(7, Models(server.Url).Length);

        var before = Snapshot(study.Data, results);
        var predicted = study.Lora(Infer(server.Url, results, "KL_base_version"));
        Assert.Equal(2, predicted.ExitCode);
        var line = OneLine(predicted);
        Assert.Contains("does not load adapters at run time", line);
        Assert.Contains("VLLM_ALLOW_RUNTIME_LORA_UPDATING=True", line);
        Assert.Contains($"--lora-modules KL_base_version.task000_caesar_shift1={Path.Combine(study.Data, "predicted_adapters", "KL", "base_version", "task000_caesar_shift1")}", line);
        Assert.Equal(before, Snapshot(study.Data, results));
    }

    [Fact]
    public void An_unknown_adapter_a_wrong_endpoint_an_unknown_model_and_a_wrong_key_each_give_one_line_exit_2_and_nothing_written()
    {
        var results = study.Folder("failures");
        var before = Snapshot(study.Data, results);

        // The path map sends the server to a folder it does not load from (there is nothing there either).
        var unknown = study.Lora(Infer(study.Server.Url, results, "finetuned", "--server-path-map", $"{study.Bank}=/nonexistent/bank"));
        Assert.Equal(2, unknown.ExitCode);
        var line = OneLine(unknown);
        Assert.Contains("could not load adapter 'finetuned.task000_caesar_shift1' from /nonexistent/bank/adapters/task000_caesar_shift1", line);
        Assert.Contains("HTTP 403: adapter 'finetuned.task000_caesar_shift1': lora_path is not inside a folder this server loads adapters from", line);
        Assert.Contains("--allow-adapter-dir", line);
        Assert.Contains("--server-path-map", line);

        var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        var nobody = study.Lora(Infer($"http://127.0.0.1:{port}", results, "base"));
        Assert.Equal(2, nobody.ExitCode);
        Assert.Contains($"http://127.0.0.1:{port}: cannot connect", OneLine(nobody));

        var model = study.Lora(Infer(study.Server.Url, results, "base", "--served-model", "mistral"));
        Assert.Equal(2, model.ExitCode);
        Assert.Contains("the server does not serve model 'mistral'; it serves: embedded", OneLine(model));

        const string Key = "sk-test-0f1e2d3c4b5a69788796a5b4c3d2e1f0";
        const string WrongKey = "sk-wrong-99887766554433221100ffeeddccbbaa";
        using var guarded = new ServeProcess(study.Root, new Dictionary<string, string?> { ["SERVE_KEY"] = Key }, "--bank-dir", study.Bank, "--api-key-env", "SERVE_KEY",
            "--allow-adapter-dir", study.Data);
        var wrong = study.Lora(new Dictionary<string, string?> { ["OPENAI_API_KEY"] = WrongKey }, Infer(guarded.Url, results, "finetuned"));
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("HTTP 401: the server rejected the API key in $OPENAI_API_KEY", OneLine(wrong));
        var none = study.Lora(new Dictionary<string, string?> { ["OPENAI_API_KEY"] = null }, Infer(guarded.Url, results, "finetuned"));
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("the server wants an API key; set $OPENAI_API_KEY", OneLine(none));
        Assert.Equal(before, Snapshot(study.Data, results));

        // The right key, from another variable: the run works, and the key is nowhere in what the tools wrote or printed.
        var right = study.Lora(new Dictionary<string, string?> { ["MY_KEY"] = Key, ["OPENAI_API_KEY"] = WrongKey },
            ["run", "--group", "Infer", .. study.Study, $"--results-dir={results}", "--engine=openai", $"--endpoint={guarded.Url}", "--api-key-env=MY_KEY"]);
        Assert.True(right.ExitCode == 0, right.Output);
        Assert.Equal(study.LocalOutputs(ServedStudy.Pipelines), ServedStudy.Outputs(results));
        var printed = string.Join("\n", unknown.Output, nobody.Output, model.Output, wrong.Output, none.Output, right.Output, guarded.Output);
        foreach (var secret in new[] { Key, WrongKey })
        {
            Assert.DoesNotContain(secret, printed);
            foreach (var file in Directory.EnumerateFiles(study.Root, "*", SearchOption.AllDirectories))
                Assert.False(File.ReadAllText(file).Contains(secret, StringComparison.Ordinal), $"{file} holds an API key");
        }
        Assert.Contains("\"api-key-env\": \"MY_KEY\"", File.ReadAllText(Path.Combine(study.Data, ".stages", "Infer.finetuned.json")));
    }

    [SlurmFact]
    public void Slurm_shards_all_send_to_the_same_server_and_write_the_local_bytes()
    {
        const string Key = "sk-slurm-5e4d3c2b1a0f9e8d7c6b5a4938271605";
        using var guarded = new ServeProcess(study.Root, new Dictionary<string, string?> { ["SERVE_KEY"] = Key }, "--bank-dir", study.Bank, "--api-key-env", "SERVE_KEY",
            "--allow-adapter-dir", study.Data);
        var results = study.Folder("slurm");
        var environment = new Dictionary<string, string?>(LocalSlurm.ClientEnvironment) { ["OPENAI_API_KEY"] = Key };
        var run = study.Lora(environment, ["run", "--group", "Infer", .. study.Study, $"--results-dir={results}", "--executor=slurm", "--shards=3",
            "--engine=openai", $"--endpoint={guarded.Url}"]);
        var logs = Path.Combine(results, "slurm", "logs");
        Assert.True(run.ExitCode == 0, run.Output + (Directory.Exists(logs) ? string.Concat(Directory.EnumerateFiles(logs).Select(File.ReadAllText)) : ""));
        Assert.Contains("3 of 3 shards completed", run.Stdout);
        var script = File.ReadAllText(Path.Combine(results, "slurm", "infer.sbatch"));
        Assert.Contains($"--engine openai --endpoint {guarded.Url} --concurrency 32 --api-key-env OPENAI_API_KEY", script);
        foreach (var pipeline in ServedStudy.Pipelines)
            Assert.Contains($"Infer.{pipeline}: 0 of 6 tasks generated (0 samples), 6 up to date", run.Stdout);
        Assert.Equal(study.LocalOutputs(ServedStudy.Pipelines), ServedStudy.Outputs(results));
        Assert.DoesNotContain(Key, run.Output);
        foreach (var file in Directory.EnumerateFiles(results, "*", SearchOption.AllDirectories))
            Assert.False(File.ReadAllText(file).Contains(Key, StringComparison.Ordinal), $"{file} holds the API key");
    }

    [Fact]
    public void Bad_engine_arguments_give_one_line_and_exit_code_2()
    {
        foreach (var (args, expected) in new (string[], string)[]
                 {
                     (["--engine=vllm"], "unknown engine 'vllm'; valid: local, openai"),
                     (["--engine=openai"], "--engine=openai needs --endpoint=URL"),
                     (["--endpoint=http://localhost:8000"], "--endpoint needs --engine=openai"),
                     (["--engine=openai", "--endpoint=ftp://x"], "--endpoint=ftp://x: expected the server's URL"),
                     (["--engine=openai", "--endpoint=http://localhost:8000", "--concurrency=0"], "--concurrency=0: expected a whole number >= 1"),
                     (["--engine=openai", "--endpoint=http://localhost:8000", "--api-key-env=MY KEY"], "--api-key-env=MY KEY: expected an environment variable's name"),
                     (["--engine=openai", "--endpoint=http://localhost:8000", "--server-path-map=/a"], "--server-path-map=/a: expected LOCAL=REMOTE"),
                 })
        {
            var run = study.Lora(["run", "--group", "Infer", .. study.Study, .. args]);
            Assert.Equal(2, run.ExitCode);
            Assert.Contains(expected, OneLine(run));
        }
        var infer = study.Lora(["infer", "--pipeline", "base", "--bank-dir", study.Bank, "--engine", "openai"]);
        Assert.Equal(2, infer.ExitCode);
        Assert.Contains("--engine openai needs --endpoint URL", OneLine(infer));
    }

    private string[] Infer(string endpoint, string results, string pipeline, params string[] more) =>
    [
        "infer", "--pipeline", pipeline, "--bank-dir", study.Bank, "--data-dir", study.Data, "--results-dir", results, "--max-new-tokens", "24",
        "--engine", "openai", "--endpoint", endpoint, .. more,
    ];

    /// <summary>The one line on stderr, starting "error: ".</summary>
    private static string OneLine(ProcessResult result)
    {
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, result.Output);
        Assert.StartsWith("error: ", lines[0]);
        return lines[0];
    }

    private static string[] Models(string url)
    {
        using var http = new HttpClient();
        using var json = JsonDocument.Parse(http.GetStringAsync(url + "/v1/models").GetAwaiter().GetResult());
        return json.RootElement.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("id").GetString()!).ToArray();
    }

    /// <summary>Every file (but the locks) under the folders with its size and time: what a failed run must leave as it was.</summary>
    private static string Snapshot(params string[] folders) => string.Join("\n", folders.Where(Directory.Exists)
        .SelectMany(f => Directory.EnumerateFiles(f, "*", SearchOption.AllDirectories))
        .Where(f => !Path.GetFileName(f).StartsWith(".lock", StringComparison.Ordinal) && !Path.GetFileName(f).StartsWith(".results.lock", StringComparison.Ordinal))
        .Order(StringComparer.Ordinal)
        .Select(f => $"{f}\t{new FileInfo(f).Length}\t{File.GetLastWriteTimeUtc(f):O}"));
}
