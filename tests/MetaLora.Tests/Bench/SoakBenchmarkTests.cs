using MetaLora.Bank.Embedded;
using MetaLora.Tests.Support;

namespace MetaLora.Tests.Bench;

/// <summary>
/// Generation on two threads, adapters swapped per task, while another thread forces garbage
/// collections and finalizers without pause. Before the tool held its torch scalars, this aborted
/// within about five seconds ("Expected false to be true" from c10::Scalar::toFloat, or "alpha must not
/// be a floating point number"): a finalizer freed a scalar libtorch was reading.
/// </summary>
public sealed class SoakBenchmarkTests : IDisposable
{
    private readonly TempDir _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public void Generation_survives_constant_finalization_and_repeats_its_bytes()
    {
        EmbeddedBankBuilder.Build(_work["bank"], TinyEmbeddedBank.Options(testSamples: 8));
        var run = ToolProcess.Lora(_work.Path, "bench", "soak", "--bank-dir", _work["bank"], "--seconds", "12", "--gc-stress");
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}\n{run.Output}");
        var line = run.Stdout.Split('\n').Single(l => l.StartsWith("soak:", StringComparison.Ordinal));
        Assert.Contains(", 0 outputs that differ from the first round", line, StringComparison.Ordinal);
        // It really ran: several rounds over the four tasks, with collections forced meanwhile.
        var rounds = int.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(rounds >= 2, line);
        Assert.DoesNotContain(" 0 forced collections", line, StringComparison.Ordinal);
    }
}
