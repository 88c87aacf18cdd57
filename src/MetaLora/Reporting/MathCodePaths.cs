using MetaLora.Repro;

namespace MetaLora.Reporting;

/// <summary>The math code paths a summary's numbers were computed with (see <see cref="MathModes"/>): the modes only, not the CPU.</summary>
internal sealed record MathCodePaths(string MklCbwr, string AtenCpuCapability)
{
    public static MathCodePaths Current => new(MathModes.Current.MklCbwr, MathModes.Current.AtenCpuCapability);

    /// <summary>"MKL COMPATIBLE, ATen avx2", as <see cref="MathModes.Describe"/>.</summary>
    public string Describe() => $"MKL {MklCbwr}, ATen {AtenCpuCapability}";
}
