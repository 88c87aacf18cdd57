using MetaLora.Repro.CodeIdentity;


namespace MetaLora.Inference.OpenAi;

/// <summary>
/// Where the server sees this machine's folders: <c>LOCAL=REMOTE</c> replaces the prefix LOCAL of an
/// adapter's absolute path by REMOTE (a server in a container, or one that mounts the shared
/// filesystem elsewhere). The longest matching LOCAL wins; a path under none is sent as it is.
/// </summary>
[StageVariant(InferEngineNames.Parameter, InferEngineNames.OpenAi)]
internal sealed class ServerPathMap
{
    private readonly IReadOnlyList<(string Local, string Remote)> _maps;

    private ServerPathMap(IReadOnlyList<(string Local, string Remote)> maps) => _maps = maps;

    /// <summary>Parses <c>LOCAL=REMOTE</c> words; LOCAL may be relative (to the current folder), REMOTE must be absolute.</summary>
    public static ServerPathMap Parse(IEnumerable<string> words)
    {
        var maps = new List<(string, string)>();
        foreach (var word in words)
        {
            var eq = word.IndexOf('=');
            var remote = eq < 0 ? "" : word[(eq + 1)..].TrimEnd('/');
            if (eq <= 0 || remote.Length == 0 || !remote.StartsWith('/'))
                throw new BadInputException($"--server-path-map={word}: expected LOCAL=REMOTE, REMOTE an absolute path on the server (e.g. /shared/data=/mnt/data)");
            maps.Add((Path.TrimEndingDirectorySeparator(Path.GetFullPath(word[..eq])), remote));
        }
        return new ServerPathMap(maps.OrderByDescending(m => m.Item1.Length).ToArray());
    }

    /// <summary>The server's path for the local folder <paramref name="localPath"/>.</summary>
    public string ToServer(string localPath)
    {
        var full = Path.GetFullPath(localPath);
        foreach (var (local, remote) in _maps)
        {
            if (full == local) return remote;
            if (full.StartsWith(local + "/", StringComparison.Ordinal)) return remote + full[local.Length..];
        }
        return full;
    }
}
