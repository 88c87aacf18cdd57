using System.Security.Cryptography;
using System.Text;
using MetaLora.Tests.Support;
using MetaLora.Repro;

namespace MetaLora.Tests.Platform;

/// <summary>
/// The bytes a small bank build and its Infer produce on this machine, against the bytes recorded on
/// the machine named below. Training runs every kind of libtorch kernel (matrix products, norms,
/// softmax, AdamW) for many steps, so any CPU-dependent rounding shows up in the weights. The test runs
/// wherever the suite runs, so each machine it runs on checks that it makes the recorded bytes. A
/// failure names the artifact that differs and this machine's math modes; see docs/reproducibility.md.
/// </summary>
public sealed class CrossMachineBytesTests : IDisposable
{
    /// <summary>Recorded on an AMD EPYC (family 23, AVX2, no AVX-512), MKL COMPATIBLE, ATen avx2.</summary>
    private static readonly Dictionary<string, string> Recorded = new(StringComparer.Ordinal)
    {
        ["base model"] = "5c3c8d5c1c016729",
        ["adapters"] = "11a0ad74f68192ba",
        ["infer outputs"] = "b17d4e8f406f9a8a",
    };

    private readonly TempDir _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public void A_bank_build_and_its_generations_have_the_recorded_bytes()
    {
        var bank = _work["bank"];
        var build = ToolProcess.Lora(_work.Path, "bank", "build", "--out", bank, "--tasks", "3", "--train-samples", "24", "--valid-samples", "2",
            "--test-samples", "6", "--generic-samples", "160", "--hidden", "64", "--intermediate", "128", "--heads", "4", "--kv-heads", "2",
            "--layers", "2", "--base-steps", "60", "--base-batch", "8", "--lora-steps", "30", "--lora-batch", "8");
        Assert.True(build.ExitCode == 0, build.Output);
        var infer = ToolProcess.Lora(_work.Path, "infer", "--bank-dir", bank, "--data-dir", _work["data"], "--results-dir", _work["results"],
            "--pipeline", "base,finetuned", "--max-new-tokens", "12");
        Assert.True(infer.ExitCode == 0, infer.Output);

        var actual = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["base model"] = Digest(Path.Combine(bank, "base_model"), "*.safetensors"),
            ["adapters"] = Digest(Path.Combine(bank, "adapters"), "*.safetensors"),
            ["infer outputs"] = Digest(Path.Combine(_work["results"], "models_generated_outputs"), "*.jsonl"),
        };
        var differ = Recorded.Where(r => actual[r.Key] != r.Value).Select(r => $"{r.Key}: {actual[r.Key]} here, {r.Value} recorded").ToArray();
        Assert.True(differ.Length == 0,
            $"this machine ({MathModes.Current.Cpu}, {MathModes.Current.Vendor}, {MathModes.Current.Isa}; {MathModes.Current.Describe()}) " +
            $"makes other bytes than the recorded ones:\n{string.Join('\n', differ)}");
    }

    /// <summary>sha256 over the sorted "relative path, sha256" lines of the files.</summary>
    private static string Digest(string dir, string pattern)
    {
        var lines = Directory.EnumerateFiles(dir, pattern, SearchOption.AllDirectories)
            .Select(f => $"{Path.GetRelativePath(dir, f).Replace('\\', '/')} {Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f)))}")
            .Order(StringComparer.Ordinal);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', lines))))[..16];
    }
}
