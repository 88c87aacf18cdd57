using System.Text;
using System.Text.RegularExpressions;

namespace MetaLora.IO;

/// <summary>
/// File patterns for stage inputs and outputs: <c>*</c> and <c>?</c> within one path segment,
/// <c>**</c> for any number of folders. Paths are reported with '/' separators, sorted ordinally,
/// relative to the working directory when the pattern was relative.
/// </summary>
internal static class Glob
{
    public static bool IsPattern(string path) => path.IndexOfAny(['*', '?']) >= 0;

    public static IReadOnlyList<string> Expand(string pattern)
    {
        var normalized = pattern.Replace('\\', '/');
        if (!IsPattern(normalized))
            return File.Exists(normalized) ? [normalized] : [];

        // The folder part before the first wildcard segment is walked; the rest is matched.
        var segments = normalized.Split('/');
        var fixedCount = Array.FindIndex(segments, IsPattern);
        var root = string.Join('/', segments[..fixedCount]);
        var walkFrom = root.Length == 0 ? "." : root;
        if (normalized.StartsWith('/') && root.Length == 0) walkFrom = "/";
        if (!Directory.Exists(walkFrom)) return [];

        var regex = ToRegex(string.Join('/', segments[fixedCount..]));
        var recursive = segments.Length - fixedCount > 1 || segments[fixedCount].Contains("**", StringComparison.Ordinal);
        var result = new List<string>();
        foreach (var file in Directory.EnumerateFiles(walkFrom, "*", recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly))
        {
            var rel = Path.GetRelativePath(walkFrom, file).Replace('\\', '/');
            if (rel.Contains(AtomicFile.TempMarker, StringComparison.Ordinal)) continue;
            if (regex.IsMatch(rel))
                result.Add(root.Length == 0 ? rel : $"{root}/{rel}");
        }
        result.Sort(StringComparer.Ordinal);
        return result;
    }

    private static Regex ToRegex(string pattern)
    {
        var sb = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                // "**/" matches zero or more folders; a trailing "**" matches anything.
                if (i + 2 < pattern.Length && pattern[i + 2] == '/') { sb.Append("(?:.*/)?"); i += 2; }
                else { sb.Append(".*"); i += 1; }
            }
            else if (c == '*') sb.Append("[^/]*");
            else if (c == '?') sb.Append("[^/]");
            else sb.Append(Regex.Escape(c.ToString()));
        }
        return new Regex(sb.Append('$').ToString(), RegexOptions.CultureInvariant);
    }
}
