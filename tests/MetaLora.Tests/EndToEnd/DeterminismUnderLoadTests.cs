using System.Diagnostics;
using MetaLora.Bank.Embedded;
using MetaLora.Tests.Platform;
using MetaLora.Tests.Support;

namespace MetaLora.Tests.EndToEnd;

/// <summary>
/// A pipeline's generations do not depend on what else runs: Infer of one pipeline alone, on a quiet
/// machine, gives the bytes of the same pipeline inside a whole study (every metric and coefficient
/// model, their Predict and Infer, several worker threads) run while other processes keep every core
/// busy.
/// </summary>
public sealed class DeterminismUnderLoadTests : IDisposable
{
    private readonly TempDir _work = new();

    public void Dispose() => _work.Dispose();

    [LinuxFact]
    public void A_pipeline_alone_and_inside_a_full_run_under_load_give_the_same_bytes()
    {
        var bank = _work["bank"];
        EmbeddedBankBuilder.Build(bank, TinyEmbeddedBank.Options(tasks: 6, testSamples: 6, baseSteps: 20, loraSteps: 10));
        var alone = ToolProcess.Lora(_work.Path, "infer", "--bank-dir", bank, "--data-dir", _work["alone/data"], "--results-dir", _work["alone/results"],
            "--pipeline", "finetuned", "--max-new-tokens", "8", "--workers", "1");
        Assert.True(alone.ExitCode == 0, alone.Output);

        var load = Enumerable.Range(0, 2 * Environment.ProcessorCount).Select(_ => Process.Start(new ProcessStartInfo("sh", ["-c", "while :; do :; done"]))!).ToArray();
        ProcessResult full;
        try
        {
            full = ToolProcess.Lora(_work.Path, "run", "--target=Infer", "--metric=all", "--model=all", "--mlp-hidden=16", "--max-new-tokens=8",
                $"--bank-dir={bank}", $"--data-dir={_work["full/data"]}", $"--results-dir={_work["full/results"]}");
        }
        finally
        {
            foreach (var p in load)
            {
                p.Kill();
                p.WaitForExit();
                p.Dispose();
            }
        }
        Assert.True(full.ExitCode == 0, full.Output);
        Assert.Contains("Infer.KL_mlp_version", full.Output, StringComparison.Ordinal);

        var expected = Directory.EnumerateFiles(Path.Combine(_work["alone/results"], "models_generated_outputs", "finetuned"), "*.jsonl").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(6, expected.Length);
        foreach (var file in expected)
        {
            var inFull = Path.Combine(_work["full/results"], "models_generated_outputs", "finetuned", Path.GetFileName(file));
            Assert.True(File.ReadAllBytes(file).AsSpan().SequenceEqual(File.ReadAllBytes(inFull)), $"{Path.GetFileName(file)} differs inside the full run");
        }
    }
}
