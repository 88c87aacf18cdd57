using System.Runtime.CompilerServices;
using MetaLora.Repro;

namespace MetaLora.Tests.Support;

internal static class MathModesSetup
{
    /// <summary>
    /// Pins libtorch's code paths before any test touches torch, as the tool does when the library
    /// loads: a test that calls TorchSharp before any MetaLora type would otherwise run the first kernel
    /// (when libtorch reads the settings) before the library's own initializer.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "must run before the first tensor of the test process")]
    [ModuleInitializer]
    internal static void PinMathModes() => RuntimeHelpers.RunModuleConstructor(typeof(ReproducibleMath).Module.ModuleHandle);
}
