using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace MetaLora;

/// <summary>
/// libtorch does its CPU matrix products and factorisations with Intel oneMKL, whose fast kernels may
/// round differently depending on how the operands happen to be aligned in memory. Alignment follows
/// the process's allocation history, so an unrelated code change, or the JIT's timing, changed the
/// last bits of mlp_version's coefficients. MKL's conditional numerical reproducibility fixes the code
/// path: <c>AVX2</c> gives the same bits on every x64 CPU that has AVX2 (Intel or AMD, with AVX-512 or
/// not), <c>COMPATIBLE</c> the same bits anywhere, more slowly. MKL reads <c>MKL_CBWR</c> when it first
/// runs, so it is set when this assembly loads, before any tensor exists; a value the user set wins.
/// </summary>
internal static partial class ReproducibleMath
{
    public const string Variable = "MKL_CBWR";

    // A library's module initializer, on purpose: every host of this assembly (lora, lora serve, the
    // tests) must set the variable before its first tensor, and none can forget to.
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "must run before any host's first tensor")]
    [ModuleInitializer]
    internal static void SetMklBranch()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return;
        try
        {
            // .NET keeps its own copy of the environment on Unix; the C library's is what MKL reads.
            _ = SetEnv(Variable, Branch, overwrite: 0);
        }
        catch (EntryPointNotFoundException)
        {
        }
        catch (DllNotFoundException)
        {
        }
    }

    /// <summary>The branch asked for when the user did not choose one.</summary>
    public static string Branch => Avx2.IsSupported ? "AVX2" : "COMPATIBLE";

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
