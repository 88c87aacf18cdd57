using System.Numerics;
using System.Runtime.InteropServices;
using System.Text.Json.Serialization;
using MetaLora.Repro;

namespace MetaLora.Reporting.Publish;

/// <summary>
/// The machine: the OS, the CPU and the math code paths libtorch used (<see cref="MathModes"/>), which
/// decide the bytes of the model's outputs, and the vector width the tool's own kernels ran at.
/// </summary>
internal sealed record MachineInfo(
    [property: JsonPropertyName("os")] string Os,
    [property: JsonPropertyName("architecture")] string Architecture,
    [property: JsonPropertyName("cpu")] string Cpu,
    [property: JsonPropertyName("logical_cores")] int LogicalCores,
    [property: JsonPropertyName("vector_bits")] int VectorBits,
    [property: JsonPropertyName("math")] MathModes? Math = null)
{
    public static MachineInfo Current() => new(
        RuntimeInformation.OSDescription,
        RuntimeInformation.OSArchitecture.ToString(),
        MathModes.Current.Cpu,
        Environment.ProcessorCount,
        Vector<byte>.Count * 8,
        MathModes.Current);
}
