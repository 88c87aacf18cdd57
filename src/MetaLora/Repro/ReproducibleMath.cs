using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace MetaLora.Repro;

/// <summary>
/// Pins the code paths libtorch computes with, so that the same inputs give the same bits on every
/// x86-64 CPU, Intel or AMD, with AVX2 or AVX-512.
/// <para>
/// libtorch picks its kernels by the CPU it runs on, twice over: its own vectorised kernels (softmax,
/// norms, element-wise and reductions) come in an AVX2 and an AVX-512 build, chosen by
/// <c>ATEN_CPU_CAPABILITY</c> or the CPU, and Intel oneMKL (its matrix products) dispatches by
/// instruction set and vendor. Each choice rounds differently, and a model trained for 1300 steps
/// ends in other weights: the embedded bank's base model came out with other bytes on an AMD CPU with
/// AVX-512 than on one with AVX2 only. MKL's <c>MKL_CBWR=AVX2</c> branch is honoured on Intel CPUs
/// only (on others MKL falls back to its automatic dispatch); <c>COMPATIBLE</c> is the one branch
/// that gives the same results on every vendor. So the tool asks for MKL's COMPATIBLE branch and for
/// libtorch's AVX2 kernels (its portable kernels on a CPU without AVX2 and FMA, whose results then
/// differ); a value the user set wins. Both are read once, when libtorch first runs a kernel, so they
/// are set as this assembly loads, before any tensor exists.
/// </para>
/// </summary>
internal static partial class ReproducibleMath
{
    /// <summary>MKL's conditional numerical reproducibility branch.</summary>
    public const string MklVariable = "MKL_CBWR";

    /// <summary>The instruction set of libtorch's own kernels.</summary>
    public const string AtenVariable = "ATEN_CPU_CAPABILITY";

    /// <summary>The MKL branch asked for when the user chose none: the same results on Intel and AMD.</summary>
    public const string MklBranch = "COMPATIBLE";

    /// <summary>libtorch's kernels asked for when the user chose none: AVX2 wherever the CPU has it.</summary>
    public static string AtenCapability => Avx2.IsSupported && Fma.IsSupported ? "avx2" : "default";

    /// <summary>Whether these settings apply here: libtorch's x86-64 builds (MKL and the AVX kernels exist only there).</summary>
    public static bool Applies => RuntimeInformation.ProcessArchitecture == Architecture.X64;

    // A library's module initializer, on purpose: every host of this assembly (lora, lora serve, the
    // tests) must set the variables before its first tensor, and none can forget to.
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "must run before any host's first tensor")]
    [ModuleInitializer]
    internal static void Apply()
    {
        if (!Applies) return;
        SetUnlessChosen(MklVariable, MklBranch);
        SetUnlessChosen(AtenVariable, AtenCapability);
    }

    /// <summary>The value libtorch reads for <paramref name="name"/>: the C library's environment, not .NET's copy of it.</summary>
    public static string? Effective(string name)
    {
        try
        {
            return OperatingSystem.IsWindows() ? Environment.GetEnvironmentVariable(name) : Marshal.PtrToStringUTF8(GetEnv(name));
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return Environment.GetEnvironmentVariable(name);
        }
    }

    private static void SetUnlessChosen(string name, string value)
    {
        try
        {
            if (OperatingSystem.IsWindows())
            {
                if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name))) return;
                // libtorch and MKL read the C runtime's copy of the environment (the shared UCRT's), which
                // _putenv_s updates together with the process's own.
                _ = PutEnvWindows(name, value);
                Environment.SetEnvironmentVariable(name, value);
            }
            else
            {
                // .NET keeps its own copy of the environment on Unix; the C library's is what libtorch reads.
                _ = SetEnv(name, value, overwrite: 0);
            }
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
        }
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr GetEnv(string name);

    [LibraryImport("ucrtbase", EntryPoint = "_putenv_s", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int PutEnvWindows(string name, string value);
}
