namespace MetaLora.Study;

/// <summary>
/// Writes the paths a stage manifest records relative to the study's folders, as DVC's lock file
/// records them relative to the project: <c>/mnt/a/data/preprocessed/x.npy</c> becomes
/// <c>{data}/preprocessed/x.npy</c>. A data, results or bank folder that is moved or copied (a CI
/// cache restored elsewhere, a study moved to a bigger disk) then keeps its stages up to date, while a
/// different bank or different contents still rerun, through the content hashes.
/// </summary>
internal sealed class PortablePaths
{
    // Longest first, so a bank inside the data folder is named as the bank.
    private readonly (string Token, string Prefix)[] _roots;

    /// <summary>Roots by name; a folder may be given relative to the working directory or absolute.</summary>
    public PortablePaths(IEnumerable<(string Name, string Dir)> roots) =>
        _roots = roots
            .SelectMany(r => new[] { Slash(r.Dir), Slash(Path.GetFullPath(r.Dir)) }.Distinct().Select(p => ("{" + r.Name + "}", p)))
            .Where(r => r.Item2.Length > 0)
            .OrderByDescending(r => r.Item2.Length)
            .ThenBy(r => r.Item1, StringComparer.Ordinal)
            .ToArray();

    /// <summary>No roots: paths are recorded as given.</summary>
    public static PortablePaths None { get; } = new([]);

    /// <summary>The folders of a study: data, results and bank.</summary>
    public static PortablePaths For(StudyOptions study) =>
        new([("data", study.DataDir), ("results", study.ResultsDir), ("bank", study.BankDir)]);

    /// <summary><paramref name="value"/> with a leading root folder replaced by its token; other values unchanged.</summary>
    public string ToPortable(string value)
    {
        var slashed = value.Replace('\\', '/');
        foreach (var (token, prefix) in _roots)
            if (slashed == prefix) return token;
            else if (slashed.Length > prefix.Length && slashed.StartsWith(prefix, StringComparison.Ordinal) && slashed[prefix.Length] == '/')
                return token + slashed[prefix.Length..];
        return value;
    }

    /// <summary>The path <paramref name="value"/> names under the current folders (the inverse of <see cref="ToPortable"/>).</summary>
    public string FromPortable(string value)
    {
        foreach (var (token, prefix) in _roots)
            if (value.StartsWith(token, StringComparison.Ordinal) && (value.Length == token.Length || value[token.Length] == '/'))
                return prefix + value[token.Length..];
        return value;
    }

    private static string Slash(string path) => path.Replace('\\', '/').TrimEnd('/');
}
