using TorchSharp;

namespace MetaLora.Tests.Platform;

/// <summary>The restored TorchSharp package: the pristine native library the build copies and patches.</summary>
internal static class TorchSharpPackage
{
    /// <summary>Where restore puts libLibTorchSharp.so for the TorchSharp version this project references.</summary>
    public static string NativeLibraryPath { get; } = Path.Combine(
        NuGetRoot(), "torchsharp", typeof(torch).Assembly.GetName().Version!.ToString(3),
        "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    public static bool HasNativeLibrary => File.Exists(NativeLibraryPath);

    private static string NuGetRoot()
    {
        var configured = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        return string.IsNullOrEmpty(configured)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages")
            : configured;
    }
}

/// <summary>A fact that reads libLibTorchSharp.so from the NuGet package folder; skipped where it was not restored.</summary>
public sealed class PackagedLibraryFactAttribute : FactAttribute
{
    public PackagedLibraryFactAttribute()
    {
        if (!TorchSharpPackage.HasNativeLibrary)
            Skip = $"TorchSharp's native library is not in the NuGet package folder ({TorchSharpPackage.NativeLibraryPath}); restore the solution first.";
    }
}

/// <summary>A fact about Linux-only behaviour (the dynamic loader, /proc).</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
            Skip = "Linux only.";
    }
}
