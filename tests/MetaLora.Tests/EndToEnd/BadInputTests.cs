using System.Security.Cryptography;
using System.Text.Json;
using MetaLora.Tests.Support;

namespace MetaLora.Tests.EndToEnd;

/// <summary>
/// Each kind of bad input, through the real tool: one line on stderr naming the file and the
/// problem, exit code 2, and the artifacts of the previous good run untouched.
/// </summary>
public sealed class BadInputTests : IDisposable
{
    private readonly TempDir _work = new();
    private readonly IReadOnlyList<string> _tasks;
    private string Bank => _work["bank"];
    private string Data => _work["data"];

    public BadInputTests()
    {
        _tasks = FixtureBank.Create(Bank, tasks: 4, samples: 8);
        Ok(ToolProcess.Lora(_work.Path, "tokenize", $"--bank-dir={Bank}", $"--data-dir={Data}"));
        Ok(ToolProcess.Lora(_work.Path, "distances", "--metric=all", $"--bank-dir={Bank}", $"--data-dir={Data}"));
    }

    public void Dispose() => _work.Dispose();

    private static void Ok(ProcessResult r) => Assert.True(r.ExitCode == 0, r.Output);

    private Dictionary<string, string> Artifacts() =>
        Directory.EnumerateFiles(Path.Combine(Data, "preprocessed"), "*", SearchOption.AllDirectories)
            .ToDictionary(f => f, f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))) + File.GetLastWriteTimeUtc(f).Ticks);

    private string Train(int task) => Path.Combine(Bank, "datasets", _tasks[task], "train.jsonl");

    private void EditBankJson(Action<Dictionary<string, object>> edit)
    {
        var path = Path.Combine(Bank, "bank.json");
        var json = JsonSerializer.Deserialize<Dictionary<string, object>>(File.ReadAllText(path))!;
        edit(json);
        File.WriteAllText(path, JsonSerializer.Serialize(json));
    }

    /// <summary>Breaks the bank, runs the verb, checks the one-line error and that nothing changed.</summary>
    private void AssertRejected(Action breakIt, string[] verb, params string[] expected)
    {
        breakIt();
        var before = Artifacts();
        var result = ToolProcess.Lora(_work.Path, [.. verb, $"--bank-dir={Bank}", $"--data-dir={Data}"]);
        Assert.Equal(2, result.ExitCode);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, "expected one line on stderr:\n" + result.Stderr);
        foreach (var e in expected) Assert.Contains(e, lines[0]);
        Assert.Equal(before, Artifacts());
    }

    private static readonly string[] Tokenize = ["tokenize"];

    [Fact]
    public void Missing_bank_json() =>
        AssertRejected(() => File.Delete(Path.Combine(Bank, "bank.json")), Tokenize, "bank.json");

    [Fact]
    public void Missing_task_folder() =>
        AssertRejected(() => Directory.Delete(Path.Combine(Bank, "datasets", _tasks[1]), true), Tokenize, _tasks[1]);

    [Fact]
    public void Task_listed_twice() =>
        AssertRejected(() => EditBankJson(j => j["tasks"] = _tasks.Append(_tasks[0]).ToArray()), Tokenize, _tasks[0], "bank.json");

    [Fact]
    public void Invalid_json_names_the_line()
    {
        AssertRejected(() =>
        {
            var lines = File.ReadAllLines(Train(2));
            lines[2] = "{\"input\": \"unterminated";
            File.WriteAllLines(Train(2), lines);
        }, Tokenize, "train.jsonl:3:", "JSON");
    }

    [Fact]
    public void Sample_without_output_names_the_line_and_field()
    {
        AssertRejected(() =>
        {
            var lines = File.ReadAllLines(Train(3));
            lines[1] = "{\"id\": \"x\", \"input\": \"only input\"}";
            File.WriteAllLines(Train(3), lines);
        }, Tokenize, "train.jsonl:2:", "output");
    }

    [Fact]
    public void Sample_without_input_names_the_line_and_field()
    {
        AssertRejected(() =>
        {
            var lines = File.ReadAllLines(Train(0));
            lines[4] = "{\"id\": \"x\", \"output\": [\"y\"]}";
            File.WriteAllLines(Train(0), lines);
        }, Tokenize, "train.jsonl:5:", "input");
    }

    [Fact]
    public void Empty_train_split() =>
        AssertRejected(() => File.WriteAllText(Train(1), ""), Tokenize, _tasks[1], "empty");

    [Fact]
    public void Token_ids_beyond_the_vocabulary() =>
        AssertRejected(() => EditBankJson(j => j["vocab_size"] = 300), Tokenize, "300");

    [Fact]
    public void Unknown_metric_lists_the_valid_ones() =>
        AssertRejected(() => { }, ["distances", "--metric=KL,XX"], "XX", "WD", "KL", "JS", "MMD");

    [Fact]
    public void A_data_folder_in_use_by_another_pipeline_is_refused()
    {
        using var held = MetaLora.Study.DataFolderLock.Acquire(Data);
        AssertRejected(() => { }, Tokenize, "another pipeline", $"pid {Environment.ProcessId}");
    }

    [Fact]
    public void A_negative_limit_is_one_line_not_the_help_text() =>
        AssertRejected(() => { }, ["tokenize", "--limit", "-1"], "--limit must be >= 0");

    [Fact]
    public void A_token_id_beyond_the_vocabulary_names_its_tokens_file()
    {
        var file = Path.Combine(Data, "preprocessed", "tokens", _tasks[1] + ".npy");
        AssertRejected(() => MetaLora.Formats.Npy.WriteInt32(file, [1, 2, 1_000_000]), ["distances", "--metric=KL"],
            file, "token id 1000000 at position 2", "outside the bank's vocabulary");
    }

    [Fact]
    public void Distances_without_tokens_say_which_stage_to_run() =>
        AssertRejected(() => File.Delete(Path.Combine(Data, "preprocessed", "tokens", _tasks[2] + ".npy")),
            ["distances", "--metric=KL"], _tasks[2] + ".npy", "Tokenize");
}
