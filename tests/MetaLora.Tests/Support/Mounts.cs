namespace MetaLora.Tests.Support;

/// <summary>
/// File systems a test mounts to provoke storage failures: a small tmpfs (a full disk) and a
/// read-only bind mount. Needs the right to mount (root in a container that allows it); where that
/// is missing, <see cref="MountFactAttribute"/> skips the test and says why.
/// </summary>
public static class Mounts
{
    private static readonly Lazy<string?> Probe = new(() =>
    {
        using var dir = new TempDir();
        var mounted = ToolProcess.Run("mount", dir.Path, ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir.Path]);
        if (mounted.ExitCode != 0) return $"cannot mount a tmpfs here ({mounted.Output.Trim()})";
        ToolProcess.Run("umount", "/", [dir.Path]);
        return null;
    });

    /// <summary>Why mounting is not possible here, or null when it is.</summary>
    public static string? Unavailable => Probe.Value;

    /// <summary>Mounts a tmpfs of <paramref name="size"/> (e.g. "1m") on <paramref name="dir"/> until disposed.</summary>
    public static IDisposable Tmpfs(string dir, string size)
    {
        Directory.CreateDirectory(dir);
        Mount(["-t", "tmpfs", "-o", $"size={size}", "tmpfs", dir]);
        return new Unmount(dir);
    }

    /// <summary>Makes <paramref name="dir"/> read-only (a read-only bind mount over itself) until disposed.</summary>
    public static IDisposable ReadOnly(string dir)
    {
        Mount(["--bind", dir, dir]);
        try { Mount(["-o", "remount,bind,ro", dir]); }
        catch { new Unmount(dir).Dispose(); throw; }
        return new Unmount(dir);
    }

    private static void Mount(string[] args)
    {
        var r = ToolProcess.Run("mount", "/", args);
        Assert.True(r.ExitCode == 0, $"mount {string.Join(' ', args)}: {r.Output}");
    }

    private sealed class Unmount(string dir) : IDisposable
    {
        public void Dispose() => ToolProcess.Run("umount", "/", ["-l", dir]);
    }
}

/// <summary>A test that mounts file systems; skipped, saying why, where that is not allowed.</summary>
public sealed class MountFactAttribute : FactAttribute
{
    public MountFactAttribute()
    {
        if (Mounts.Unavailable is { } reason) Skip = reason;
    }
}
