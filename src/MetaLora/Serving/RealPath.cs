namespace MetaLora.Serving;

/// <summary>
/// A path as the file system resolves it, as POSIX <c>realpath</c> does: absolute, every symbolic link
/// followed, and <c>..</c> taken after the links before it, not by text (which
/// <see cref="Path.GetFullPath(string)"/> does, so <c>allowed/link/..</c> would look like <c>allowed</c>
/// wherever the link points). Written in managed code so it also works where libc is not at hand.
/// </summary>
internal static class RealPath
{
    /// <summary>The same bound as Linux's on links followed in one lookup (ELOOP).</summary>
    private const int MaxLinks = 40;

    /// <summary>
    /// The resolved path and whether it exists. Past the first part that does not exist (or cannot be
    /// read), the rest is joined by text; a link loop counts as not existing.
    /// </summary>
    public static (string Path, bool Exists) Resolve(string path)
    {
        var full = Path.IsPathFullyQualified(path) ? path : Path.Join(Environment.CurrentDirectory, path);
        var current = Path.GetPathRoot(full)!;
        var pending = new Stack<string>();
        PushParts(pending, full[current.Length..]);
        var exists = true;
        var links = 0;
        while (pending.TryPop(out var part))
        {
            if (part is "" or ".") continue;
            if (part == "..")
            {
                // current holds no links, so its text parent is its real parent.
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }
            var next = Path.Join(current, part);
            if (!exists)
            {
                current = next;
                continue;
            }
            var target = LinkTarget(next, out var found);
            if (target is null)
            {
                exists = found;
                current = next;
                continue;
            }
            if (++links > MaxLinks)
            {
                exists = false;
                current = next;
                continue;
            }
            if (Path.IsPathRooted(target)) current = Path.GetPathRoot(target)!;
            PushParts(pending, Path.IsPathRooted(target) ? target[Path.GetPathRoot(target)!.Length..] : target);
        }
        return (current, exists);
    }

    /// <summary>Whether <paramref name="path"/> is <paramref name="folder"/> or inside it (both resolved).</summary>
    public static bool IsWithin(string path, string folder)
    {
        var comparison = OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        var root = Path.TrimEndingDirectorySeparator(folder);
        if (string.Equals(path, root, comparison)) return true;
        var prefix = root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar;
        return path.StartsWith(prefix, comparison);
    }

    /// <summary>The link's target when <paramref name="path"/> is a symbolic link, else null (and whether it exists at all).</summary>
    private static string? LinkTarget(string path, out bool exists)
    {
        try
        {
            var info = new FileInfo(path);
            exists = info.Exists || Directory.Exists(path) || info.LinkTarget is not null;
            return info.LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Unreadable is treated as missing: the caller never learns more than "not here".
            exists = false;
            return null;
        }
    }

    private static void PushParts(Stack<string> pending, string relative)
    {
        var parts = relative.Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar]);
        for (var i = parts.Length - 1; i >= 0; i--) pending.Push(parts[i]);
    }
}
