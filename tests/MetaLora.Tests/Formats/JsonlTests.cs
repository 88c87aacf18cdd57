using System.Text;
using MetaLora.Formats;

namespace MetaLora.Tests.Formats;

public sealed class JsonlTests
{
    [Fact]
    public void Read_ParsesSamplesAndDefaultsIds()
    {
        using var dir = new TempDir();
        var path = dir.Write("train.jsonl",
            "{\"id\": \"q1\", \"input\": \"2+2=\", \"output\": [\"4\", \"four\"]}\n" +
            "\n" +
            "   \r\n" +
            "{\"input\": \"héllo ✓\", \"output\": \"world\"}\r\n" +
            "{\"id\": 17, \"input\": \"\", \"output\": [\"x\"], \"extra\": {\"ignored\": true}}");

        var samples = JsonlSamples.Read(path, "train");

        Assert.Equal(3, samples.Count);
        Assert.Equal("q1", samples[0].Id);
        Assert.Equal("2+2=", samples[0].Input);
        Assert.Equal(["4", "four"], samples[0].Output);
        Assert.Equal("train-1", samples[1].Id);
        Assert.Equal("héllo ✓", samples[1].Input);
        Assert.Equal(["world"], samples[1].Output);
        Assert.Equal("17", samples[2].Id);
        Assert.Equal("", samples[2].Input);
    }

    [Fact]
    public void Read_NumbersDefaultIdsFromFirstIndex()
    {
        using var dir = new TempDir();
        var path = dir.Write("test.jsonl", "{\"input\": \"a\", \"output\": [\"b\"]}\n{\"input\": \"c\", \"output\": [\"d\"]}\n");
        Assert.Equal(["test-5", "test-6"], JsonlSamples.Read(path, "test", firstIndex: 5).Select(s => s.Id));
    }

    [Fact]
    public void Read_SkipsUtf8ByteOrderMark()
    {
        using var dir = new TempDir();
        var path = dir.WriteBytes("train.jsonl", [.. Encoding.UTF8.GetPreamble(), .. "{\"input\": \"a\", \"output\": [\"b\"]}"u8]);
        Assert.Equal("a", Assert.Single(JsonlSamples.Read(path, "train")).Input);
    }

    [Fact]
    public void Read_EmptyFileHasNoSamples()
    {
        using var dir = new TempDir();
        Assert.Empty(JsonlSamples.Read(dir.Write("test.jsonl", "\n\n"), "test"));
    }

    [Theory]
    [InlineData("{\"input\": \"a\", \"output\": [\"b\"]", "invalid JSON (")]
    [InlineData("not json", "invalid JSON ('not json' is an invalid JSON literal")]
    [InlineData("[\"a\", \"b\"]", "expected a JSON object, found a list")]
    [InlineData("\"text\"", "expected a JSON object, found a string")]
    [InlineData("{\"output\": [\"b\"]}", "missing \"input\" (a string)")]
    [InlineData("{\"input\": 5, \"output\": [\"b\"]}", "\"input\" must be a string, found 5")]
    [InlineData("{\"input\": null, \"output\": [\"b\"]}", "\"input\" must be a string, found null")]
    [InlineData("{\"input\": \"a\"}", "missing \"output\" (a list of strings)")]
    [InlineData("{\"input\": \"a\", \"output\": {\"b\": 1}}", "\"output\" must be a list of strings, found an object")]
    [InlineData("{\"input\": \"a\", \"output\": []}", "\"output\" is an empty list")]
    [InlineData("{\"input\": \"a\", \"output\": [\"b\", 3]}", "\"output\"[1] must be a string, found 3")]
    [InlineData("{\"id\": true, \"input\": \"a\", \"output\": [\"b\"]}", "\"id\" must be a string or number, found true")]
    public void Read_ReportsBadLineWithItsNumber(string badLine, string problem)
    {
        using var dir = new TempDir();
        // Line 3 is bad; the blank line 2 still counts.
        var path = dir.Write("train.jsonl", "{\"input\": \"a\", \"output\": [\"b\"]}\n\n" + badLine + "\n{\"input\": \"c\", \"output\": [\"d\"]}\n");

        var e = Assert.Throws<BadInputException>(() => JsonlSamples.Read(path, "train"));

        Assert.StartsWith($"{path}:3: {problem}", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Read_InvalidJsonNamesColumnNotParserPosition()
    {
        using var dir = new TempDir();
        var path = dir.Write("valid.jsonl", "{\"input\": \"a\", \"output\": [\"b\"] x}\n");
        var e = Assert.Throws<BadInputException>(() => JsonlSamples.Read(path, "valid"));
        Assert.Matches(@":1: invalid JSON \(.+ at column \d+\)$", e.Message);
        Assert.DoesNotContain("LineNumber", e.Message);
    }

    [Fact]
    public void Read_ReportsInvalidUtf8WithLineNumber()
    {
        using var dir = new TempDir();
        var path = dir.WriteBytes("train.jsonl",
            [.. "{\"input\": \"a\", \"output\": [\"b\"]}\n{\"input\": \""u8, 0xC3, 0x28, .. "\", \"output\": [\"b\"]}\n"u8]);
        var e = Assert.Throws<BadInputException>(() => JsonlSamples.Read(path, "train"));
        Assert.Equal($"{path}:2: invalid UTF-8", e.Message);
    }

    [Fact]
    public void Read_LinesSpanningReadBuffers()
    {
        using var dir = new TempDir();
        var longInput = new string('x', 200_000);
        var lines = Enumerable.Range(0, 3000).Select(i => $"{{\"input\": \"{(i == 1500 ? longInput : "in" + i)}\", \"output\": [\"out{i}\"]}}");
        var path = dir.Write("train.jsonl", string.Join("\r\n", lines) + "\n" + "{\"input\": 1, \"output\": [\"b\"]}\n");

        var e = Assert.Throws<BadInputException>(() => JsonlSamples.Read(path, "train"));
        Assert.Equal($"{path}:3001: \"input\" must be a string, found 1", e.Message);

        File.WriteAllText(path, string.Join("\n", lines));
        var samples = JsonlSamples.Read(path, "train");
        Assert.Equal(3000, samples.Count);
        Assert.Equal(longInput, samples[1500].Input);
        Assert.Equal(["out2999"], samples[2999].Output);
    }

    [Fact]
    public void Read_MissingFile()
    {
        using var dir = new TempDir();
        var path = dir.Combine("nope.jsonl");
        Assert.Equal($"{path}: file does not exist", Assert.Throws<BadInputException>(() => JsonlSamples.Read(path, "train")).Message);
    }
}
