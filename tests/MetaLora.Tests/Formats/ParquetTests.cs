using MetaLora.Formats;
using Parquet;
using Parquet.Serialization;

namespace MetaLora.Tests.Formats;

public sealed class ParquetTests
{
    private sealed class ListRow
    {
        public string? id { get; set; }
        public string? input { get; set; }
        public List<string>? output { get; set; }
        public double score { get; set; }
    }

    private sealed class StringRow
    {
        public string input { get; set; } = "";
        public string output { get; set; } = "";
    }

    private sealed class NumberedRow
    {
        public long id { get; set; }
        public string input { get; set; } = "";
        public List<string> output { get; set; } = [];
    }

    private sealed class NoInputRow
    {
        public string prompt { get; set; } = "";
        public List<string> output { get; set; } = [];
    }

    private sealed class NumericInputRow
    {
        public int input { get; set; }
        public List<string> output { get; set; } = [];
    }

    private static string Write<T>(TempDir dir, string name, IEnumerable<T> rows, int rowGroupSize = 1000)
    {
        var path = dir.Combine(name);
        ParquetSerializer.SerializeAsync(rows, path, new ParquetOptions { RowGroupSize = rowGroupSize }).GetAwaiter().GetResult();
        return path;
    }

    [Fact]
    public void Read_ListOfStringsWithIds()
    {
        using var dir = new TempDir();
        var path = Write(dir, "train.parquet", new[]
        {
            new ListRow { id = "a", input = "x1", output = ["o1", "o2"], score = 1 },
            new ListRow { id = null, input = "", output = ["ü ✓"] },
            new ListRow { id = "c", input = "x3", output = ["o3"] },
        });

        var samples = ParquetSamples.Read(path, "train", firstIndex: 10);

        Assert.Equal(["a", "train-11", "c"], samples.Select(s => s.Id));
        Assert.Equal(["x1", "", "x3"], samples.Select(s => s.Input));
        Assert.Equal(["o1", "o2"], samples[0].Output);
        Assert.Equal(["ü ✓"], samples[1].Output);
        Assert.Equal(["o3"], samples[2].Output);
    }

    [Fact]
    public async Task Read_SpansRowGroups()
    {
        using var dir = new TempDir();
        var rows = Enumerable.Range(0, 7).Select(i => new ListRow { input = $"in{i}", output = [.. Enumerable.Range(0, i % 3 + 1).Select(j => $"out{i}.{j}")] });
        var path = Write(dir, "train.parquet", rows, rowGroupSize: 3);
        await using (var reader = await ParquetReader.CreateAsync(path))
            Assert.Equal(3, reader.RowGroupCount);

        var samples = ParquetSamples.Read(path, "train");

        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"in{i}"), samples.Select(s => s.Input));
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"train-{i}"), samples.Select(s => s.Id));
        Assert.Equal(["out5.0", "out5.1", "out5.2"], samples[5].Output);
    }

    [Fact]
    public void Read_SingleStringOutputAndIntegerIds()
    {
        using var dir = new TempDir();
        var strings = Write(dir, "a.parquet", new[] { new StringRow { input = "q", output = "a" } });
        var sample = Assert.Single(ParquetSamples.Read(strings, "test"));
        Assert.Equal(("test-0", "q"), (sample.Id, sample.Input));
        Assert.Equal(["a"], sample.Output);

        var numbered = Write(dir, "b.parquet", new[] { new NumberedRow { id = 42, input = "q", output = ["a"] } });
        Assert.Equal("42", Assert.Single(ParquetSamples.Read(numbered, "test")).Id);
    }

    [Fact]
    public void Read_ArrowWrittenFixture()
    {
        // See Fixtures/README.md: snappy, data page v1, dictionary pages, list<item: string>.
        var samples = ParquetSamples.Read(Fixtures.Path("hf_train.parquet"), "train");

        Assert.Equal(["hf-0", "train-1", "hf-2"], samples.Select(s => s.Id));
        Assert.Equal(["Capital of France? ", "2+2=", "Ünïcode ✓ "], samples.Select(s => s.Input));
        Assert.Equal(["Paris", "paris"], samples[0].Output);
        Assert.Equal(["4"], samples[1].Output);
        Assert.Equal(["ok"], samples[2].Output);
    }

    [Fact]
    public void Read_RejectsNullAndEmptyValues()
    {
        using var dir = new TempDir();
        var ok = new ListRow { input = "x", output = ["y"] };

        var nullInput = Write(dir, "a.parquet", new[] { ok, new ListRow { input = null, output = ["y"] } });
        Assert.Equal($"{nullInput}: row 1: \"input\" is null", Assert.Throws<BadInputException>(() => ParquetSamples.Read(nullInput, "train")).Message);

        var emptyOutput = Write(dir, "b.parquet", new[] { ok, ok, new ListRow { input = "x", output = [] } });
        Assert.Equal($"{emptyOutput}: row 2: \"output\" is null or an empty list",
            Assert.Throws<BadInputException>(() => ParquetSamples.Read(emptyOutput, "train")).Message);

        var nullOutput = Write(dir, "c.parquet", new[] { new ListRow { input = "x", output = null }, ok });
        Assert.Equal($"{nullOutput}: row 0: \"output\" is null or an empty list",
            Assert.Throws<BadInputException>(() => ParquetSamples.Read(nullOutput, "train")).Message);

        var nullItem = Write(dir, "d.parquet", new[] { ok, new ListRow { input = "x", output = ["y", null!, "z"] } });
        Assert.Equal($"{nullItem}: row 1: \"output\"[1] is null",
            Assert.Throws<BadInputException>(() => ParquetSamples.Read(nullItem, "train")).Message);
    }

    [Fact]
    public void Read_RejectsMissingAndMistypedColumns()
    {
        using var dir = new TempDir();
        var noInput = Write(dir, "a.parquet", new[] { new NoInputRow { prompt = "p", output = ["o"] } });
        Assert.Equal($"{noInput}: no \"input\" column (columns: prompt, output)",
            Assert.Throws<BadInputException>(() => ParquetSamples.Read(noInput, "train")).Message);

        var numeric = Write(dir, "b.parquet", new[] { new NumericInputRow { input = 3, output = ["o"] } });
        Assert.Equal($"{numeric}: column \"input\" must hold strings, found Int32",
            Assert.Throws<BadInputException>(() => ParquetSamples.Read(numeric, "train")).Message);
    }

    [Fact]
    public void Read_RejectsFilesThatAreNotParquet()
    {
        using var dir = new TempDir();
        var path = dir.Write("train.parquet", "{\"input\": \"a\", \"output\": [\"b\"]}\n");
        var e = Assert.Throws<BadInputException>(() => ParquetSamples.Read(path, "train"));
        Assert.StartsWith($"{path}: cannot read parquet (", e.Message);
        Assert.DoesNotContain('\n', e.Message);

        var missing = dir.Combine("none.parquet");
        Assert.Equal($"{missing}: file does not exist", Assert.Throws<BadInputException>(() => ParquetSamples.Read(missing, "train")).Message);
    }
}
