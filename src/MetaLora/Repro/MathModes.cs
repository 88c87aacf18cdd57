using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Text;
using System.Text.Json.Serialization;

namespace MetaLora.Repro;

/// <summary>
/// The CPU a process runs on and the code paths its libtorch computes with (see
/// <see cref="ReproducibleMath"/>), recorded beside results so that a difference between two machines
/// can be told apart from a corrupt file: with the same modes the bytes are the same.
/// </summary>
internal sealed record MathModes(
    [property: JsonPropertyName("cpu")] string Cpu,
    [property: JsonPropertyName("vendor")] string Vendor,
    [property: JsonPropertyName("isa")] string Isa,
    [property: JsonPropertyName("mkl_cbwr")] string MklCbwr,
    [property: JsonPropertyName("aten_cpu_capability")] string AtenCpuCapability)
{
    public static MathModes Current { get; } = new(
        CpuModel() ?? RuntimeInformation.ProcessArchitecture.ToString(),
        ReadVendor(),
        ReadIsa(),
        ReproducibleMath.Applies ? ReproducibleMath.Effective(ReproducibleMath.MklVariable) ?? "AUTO" : "none",
        ReproducibleMath.Applies ? ReproducibleMath.Effective(ReproducibleMath.AtenVariable) ?? "best" : "none");

    /// <summary>The modes alone, which decide the bytes: "MKL COMPATIBLE, ATen avx2".</summary>
    public string Describe() => $"MKL {MklCbwr}, ATen {AtenCpuCapability}";

    private static string ReadIsa() =>
        Avx512F.IsSupported ? "avx512" : Avx2.IsSupported ? "avx2" : X86Base.IsSupported ? "sse" : RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();

    private static string ReadVendor()
    {
        if (!X86Base.IsSupported) return "unknown";
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        Span<byte> name = stackalloc byte[12];
        BitConverter.TryWriteBytes(name[..4], ebx);
        BitConverter.TryWriteBytes(name[4..8], edx);
        BitConverter.TryWriteBytes(name[8..], ecx);
        return Encoding.ASCII.GetString(name);
    }

    /// <summary>The CPU model name on Linux (/proc/cpuinfo); null elsewhere.</summary>
    private static string? CpuModel()
    {
        const string CpuInfo = "/proc/cpuinfo";
        if (!File.Exists(CpuInfo)) return null;
        foreach (var line in File.ReadLines(CpuInfo))
        {
            var colon = line.IndexOf(':');
            if (colon < 0) continue;
            var key = line[..colon].Trim();
            if (key is "model name" or "Model" or "cpu model") return line[(colon + 1)..].Trim();
        }
        return null;
    }
}
