using System.Runtime.InteropServices;

namespace MetaLora.IO;

/// <summary>Asks another process to stop as Ctrl+C or a service manager would (SIGTERM), where .NET has no call for it.</summary>
internal static partial class ProcessSignal
{
    private const int SigTerm = 15;

    /// <summary>Sends SIGTERM to <paramref name="pid"/>; false where signals do not exist or the process is gone.</summary>
    public static bool Terminate(int pid) => (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) && Kill(pid, SigTerm) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
