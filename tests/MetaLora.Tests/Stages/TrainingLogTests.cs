using System.Text;
using MetaLora.Stages;

namespace MetaLora.Tests.Stages;

public sealed class TrainingLogTests : IDisposable
{
    private readonly TempDir _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public void BytesArePinned()
    {
        // A step,loss header, then one row per step: its 0-based index and the loss in round-trip format.
        var path = _work["training_log.csv"];
        PredictStages.WriteTrainingLog(path, [2.5, 0.1 + 0.2, 1e-300, -0.0]);
        const string Pinned =
            "step,loss\n" +
            "0,2.5\n" +
            "1,0.30000000000000004\n" +
            "2,1E-300\n" +
            "3,-0\n";
        Assert.Equal(Pinned, Encoding.UTF8.GetString(File.ReadAllBytes(path)));
        Assert.Equal(Encoding.UTF8.GetByteCount(Pinned), new FileInfo(path).Length);
    }
}
