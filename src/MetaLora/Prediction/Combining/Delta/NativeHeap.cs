using System.Runtime.InteropServices;

namespace MetaLora.Prediction.Combining.Delta;

/// <summary>
/// glibc keeps the native memory libtorch frees in its heaps for reuse, so a loop that allocates and
/// frees large buffers (one module of the bank after another) holds on to more than it uses at any
/// time. <see cref="Trim"/> hands free pages back to the system; it changes no result.
/// </summary>
internal static partial class NativeHeap
{
    public static void Trim()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            _ = MallocTrim(0);
        }
        // A C library without malloc_trim (musl) has nothing to trim this way.
        catch (EntryPointNotFoundException)
        {
        }
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
