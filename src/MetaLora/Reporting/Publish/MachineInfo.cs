using System.Numerics;
using System.Runtime.InteropServices;
using System.Text.Json.Serialization;

namespace MetaLora.Reporting.Publish;

/// <summary>
/// The machine: floating-point results can depend on the CPU's vector width (the distance kernels
/// sum in SIMD lanes), so the bundle records it with the OS and CPU.
/// </summary>
public sealed record MachineInfo(
    [property: JsonPropertyName("os")] string Os,
    [property: JsonPropertyName("architecture")] string Architecture,
    [property: JsonPropertyName("cpu")] string Cpu,
    [property: JsonPropertyName("logical_cores")] int LogicalCores,
    [property: JsonPropertyName("vector_bits")] int VectorBits)
{
    public static MachineInfo Current() => new(
        RuntimeInformation.OSDescription,
        RuntimeInformation.OSArchitecture.ToString(),
        CpuModel() ?? RuntimeInformation.ProcessArchitecture.ToString(),
        Environment.ProcessorCount,
        Vector<byte>.Count * 8);

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
