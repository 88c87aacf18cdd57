using MetaLora.Bank;
using Parquet.Serialization;

namespace MetaLora.Tests.Bank;

public sealed class DatasetTests
{
    private sealed class Row
    {
        public string input { get; set; } = "";
        public List<string> output { get; set; } = [];
    }

    private const string Line = "{\"input\": \"a\", \"output\": [\"b\"]}\n";

    private static async Task WriteParquet(string path, params string[] inputs)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await ParquetSerializer.SerializeAsync(inputs.Select(i => new Row { input = i, output = ["o"] }), path);
    }

    [Fact]
    public async Task SplitFiles_PrefersJsonl()
    {
        using var dir = new TempDir();
        var jsonl = dir.Write("train.jsonl", Line);
        await WriteParquet(dir.Combine("train.parquet"), "p");
        Assert.Equal([jsonl], Dataset.SplitFiles(dir.Path, "train"));
    }

    [Fact]
    public async Task SplitFiles_FindsParquetShardsSortedByName()
    {
        using var dir = new TempDir();
        await WriteParquet(dir.Combine("data/train-00001-of-00002.parquet"), "second");
        await WriteParquet(dir.Combine("data/train-00000-of-00002.parquet"), "first");
        await WriteParquet(dir.Combine("data/test-00000-of-00001.parquet"), "other split");

        Assert.Equal(
            [dir.Combine("data/train-00000-of-00002.parquet"), dir.Combine("data/train-00001-of-00002.parquet")],
            Dataset.SplitFiles(dir.Path, "train"));
    }

    [Fact]
    public async Task SplitFiles_FindsSingleParquetAndValidationAlias()
    {
        using var dir = new TempDir();
        await WriteParquet(dir.Combine("test.parquet"), "t");
        await WriteParquet(dir.Combine("data/validation-00000-of-00001.parquet"), "v");

        Assert.Equal([dir.Combine("test.parquet")], Dataset.SplitFiles(dir.Path, "test"));
        Assert.Equal([dir.Combine("data/validation-00000-of-00001.parquet")], Dataset.SplitFiles(dir.Path, "valid"));
    }

    [Fact]
    public void SplitFiles_MissingSplitNamesFolderAndSplit()
    {
        using var dir = new TempDir();
        dir.Write("train.jsonl", Line);
        var e = Assert.Throws<BadInputException>(() => Dataset.SplitFiles(dir.Path, "test"));
        Assert.Equal($"{dir.Path}: no \"test\" split (looked for test.jsonl, test.parquet and test-*.parquet, also under data/)", e.Message);

        var missing = dir.Combine("no-such-task");
        Assert.Equal($"{missing}: dataset folder does not exist",
            Assert.Throws<BadInputException>(() => Dataset.SplitFiles(missing, "train")).Message);
    }

    [Fact]
    public async Task ReadSplit_NumbersDefaultIdsAcrossShards()
    {
        using var dir = new TempDir();
        await WriteParquet(dir.Combine("data/train-00000-of-00002.parquet"), "a", "b");
        await WriteParquet(dir.Combine("data/train-00001-of-00002.parquet"), "c");

        var samples = Dataset.ReadSplit(dir.Path, "train");

        Assert.Equal(["a", "b", "c"], samples.Select(s => s.Input));
        Assert.Equal(["train-0", "train-1", "train-2"], samples.Select(s => s.Id));
    }

    [Fact]
    public void ReadSplit_ReadsJsonl()
    {
        using var dir = new TempDir();
        dir.Write("valid.jsonl", Line + Line);
        Assert.Equal(["valid-0", "valid-1"], Dataset.ReadSplit(dir.Path, "valid").Select(s => s.Id));
    }

    [Fact]
    public void ReadSplit_EmptyTrainIsAnError_OtherSplitsMayBeEmpty()
    {
        using var dir = new TempDir();
        var train = dir.Write("train.jsonl", "\n");
        dir.Write("test.jsonl", "");

        Assert.Equal($"{train}: train split is empty", Assert.Throws<BadInputException>(() => Dataset.ReadSplit(dir.Path, "train")).Message);
        Assert.Empty(Dataset.ReadSplit(dir.Path, "test"));
    }
}
