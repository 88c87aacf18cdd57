using MetaLora.Bank;

namespace MetaLora.Tests.Bank;

public sealed class LotsOfLorasTests
{
    private const string Header = "index\ttask\tadapter_repo\tdataset_repo\n";

    [Fact]
    public void TheShippedListHasThePapersTasksInIndexOrder()
    {
        Assert.Equal(502, LotsOfLoras.Tasks.Count);
        Assert.Equal(Enumerable.Range(0, 502), LotsOfLoras.Tasks.Select(t => t.Index));
        Assert.Equal("task022_cosmosqa_passage_inappropriate_binary", LotsOfLoras.Tasks[0].Task);
    }

    [Fact]
    public void CrlfAndBlankLinesAreAccepted()
    {
        var sources = LotsOfLoras.Parse(Header.Replace("\n", "\r\n") + "0\tt0\to/a0\to/task0_x\r\n\r\n1\tt1\to/a1\to/task1_y\r\n", "list.tsv");
        Assert.Equal(["task0_x", "task1_y"], sources.Select(s => s.Task));
    }

    [Theory]
    [InlineData("index\ttask\n", 1, "header")]
    [InlineData(Header + "0\tt0\to/a0\n", 2, "four tab-separated columns")]
    [InlineData(Header + "0\tt0\to/a0\to/d0\n2\tt2\to/a2\to/d2\n", 3, "expected index 1")]
    public void MalformedListsNameFileAndLine(string text, int line, string problem)
    {
        var e = Assert.Throws<BadInputException>(() => LotsOfLoras.Parse(text, "list.tsv"));
        Assert.StartsWith($"list.tsv:{line}: ", e.Message);
        Assert.Contains(problem, e.Message);
    }
}
