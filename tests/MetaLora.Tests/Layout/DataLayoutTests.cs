using MetaLora.Layout;


namespace MetaLora.Tests.Layout;

public sealed class DataLayoutTests : IDisposable
{
    private readonly TempDir _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public void VerbsUseRawInputUnlessOnlyTheEmbeddedBankExists()
    {
        var layout = new DataLayout(_work["data"]);
        Assert.Equal(layout.DefaultBankDir, layout.BankDirToUse); // nothing yet: the error will name raw_input
        _work.Write("data/embedded/bank.json", "{}");
        Assert.Equal(layout.EmbeddedBankDir, layout.BankDirToUse);
        _work.Write("data/raw_input/bank.json", "{}");
        Assert.Equal(layout.DefaultBankDir, layout.BankDirToUse);
    }
}
