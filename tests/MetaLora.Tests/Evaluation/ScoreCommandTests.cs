using System.Text.Json;
using MetaLora.Tests.Support;

namespace MetaLora.Tests.Evaluation;

/// <summary>`lora score` through the real tool: means on stdout, per-row scores in --out, one-line errors.</summary>
public sealed class ScoreCommandTests : IDisposable
{
    private readonly TempDir _work = new();

    public void Dispose() => _work.Dispose();

    private const string Rows =
        """
        {"id": "a", "input": "q1", "reference": "The cat sat on the mat.", "prediction": "The cat sat on the mat."}
        {"id": 7, "reference": ["negative", "Positive"], "prediction": " Positive\n"}

        {"reference": "running quick", "prediction": "runs quickly", "extra": [1, 2]}
        """;

    [Fact]
    public void Prints_the_means_and_writes_per_row_scores()
    {
        var file = _work.Write("outputs.jsonl", Rows);
        var r = ToolProcess.Lora(_work.Path, "score", "--file", file, "--out", _work["out/scores.json"]);
        Assert.True(r.ExitCode == 0, r.Output);
        Assert.Contains("3 rows", r.Stdout);
        Assert.Contains("exact_match        0.333333", r.Stdout);
        Assert.Contains("subsequence_match  0.666667", r.Stdout);
        Assert.Contains("rougeL             0.833333", r.Stdout); // (1 + 1 + 0.5) / 3
        Assert.Contains("rougeLsum          0.833333", r.Stdout);

        using var json = JsonDocument.Parse(File.ReadAllText(_work["out/scores.json"]));
        var root = json.RootElement;
        Assert.Equal(3, root.GetProperty("rows").GetInt32());
        Assert.Equal(2.5 / 3, root.GetProperty("mean").GetProperty("rougeL").GetDouble());
        var rows = root.GetProperty("scores").EnumerateArray().ToArray();
        Assert.Equal([1, 2, 4], rows.Select(x => x.GetProperty("line").GetInt32()));
        Assert.Equal("a", rows[0].GetProperty("id").GetString());
        Assert.Equal("7", rows[1].GetProperty("id").GetString());
        Assert.False(rows[2].TryGetProperty("id", out _));
        Assert.Equal(0, rows[1].GetProperty("exact_match").GetDouble()); // raw strings, not trimmed
        Assert.Equal(1, rows[1].GetProperty("subsequence_match").GetDouble());
        Assert.Equal(0.5, rows[2].GetProperty("rougeL").GetDouble()); // run|quickli vs run|quick
    }

    [Fact]
    public void Field_names_can_be_chosen()
    {
        var file = _work.Write("custom.jsonl", """{"output": "yes", "gold": ["no", "yes"]}""");
        var r = ToolProcess.Lora(_work.Path, "score", "--file", file, "--prediction-field", "output", "--reference-field", "gold");
        Assert.True(r.ExitCode == 0, r.Output);
        Assert.Contains("exact_match        1.000000", r.Stdout);
    }

    [Theory]
    [InlineData("missing.jsonl", null, "missing.jsonl: file does not exist")]
    [InlineData("bad.jsonl", "{\"prediction\": \"a\", \"reference\": \"a\"}\n{\"prediction\": \"a\", ", "bad.jsonl:2: invalid JSON")]
    [InlineData("nopred.jsonl", "{\"prediction\": \"a\", \"reference\": \"a\"}\n\n{\"reference\": \"a\"}", "nopred.jsonl:3: missing \"prediction\"")]
    [InlineData("noref.jsonl", "{\"prediction\": \"a\"}", "noref.jsonl:1: missing \"reference\"")]
    [InlineData("number.jsonl", "{\"prediction\": 3, \"reference\": \"a\"}", "number.jsonl:1: \"prediction\" must be a string, found 3")]
    [InlineData("emptylist.jsonl", "{\"prediction\": \"a\", \"reference\": []}", "emptylist.jsonl:1: \"reference\" is an empty list")]
    [InlineData("listitem.jsonl", "{\"prediction\": \"a\", \"reference\": [\"a\", null]}", "listitem.jsonl:1: \"reference\"[1] must be a string, found null")]
    [InlineData("array.jsonl", "[1, 2]", "array.jsonl:1: expected a JSON object")]
    [InlineData("surrogate.jsonl", "{\"prediction\": \"x\\ud800\", \"reference\": \"x\"}", "surrogate.jsonl:1: \"prediction\" holds an invalid \\u escape")]
    [InlineData("empty.jsonl", "\n  \n", "empty.jsonl: no rows to score")]
    public void Bad_input_fails_with_one_line_naming_file_and_line(string name, string? content, string expected)
    {
        var file = content is null ? _work[name] : _work.Write(name, content);
        var r = ToolProcess.Lora(_work.Path, "score", "--file", file, "--out", _work["scores.json"]);
        Assert.Equal(2, r.ExitCode);
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, "expected one line on stderr:\n" + r.Stderr);
        Assert.Contains(expected, lines[0]);
        Assert.False(File.Exists(_work["scores.json"]));
    }
}
