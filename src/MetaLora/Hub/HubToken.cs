namespace MetaLora.Hub;

/// <summary>
/// A Hugging Face access token. It is only ever written into an <c>Authorization</c> header:
/// <see cref="ToString"/> names where it came from, never its value, so string interpolation in a
/// log line or exception cannot leak it, and <see cref="Redact"/> scrubs any text that reaches the user.
/// </summary>
internal sealed class HubToken
{
    /// <summary>The variable the Hugging Face libraries read.</summary>
    public const string EnvironmentVariable = "HF_TOKEN";

    /// <summary>The key of the paper's <c>.env</c> file.</summary>
    public const string DotEnvKey = "HUGGINGFACE_TOKEN";

    public const string DotEnvFileName = ".env";

    private readonly string _value;

    private HubToken(string value, string source)
    {
        _value = value;
        Source = source;
    }

    /// <summary>Where the token was found ("HF_TOKEN" or the .env file's path), for messages.</summary>
    public string Source { get; }

    internal string Value => _value;

    public override string ToString() => $"<token from {Source}>";

    /// <summary><paramref name="text"/> with every occurrence of the token replaced.</summary>
    public string Redact(string text) => text.Replace(_value, "<token>", StringComparison.Ordinal);

    /// <summary>
    /// HF_TOKEN if set, else <c>HUGGINGFACE_TOKEN</c> (or <c>HF_TOKEN</c>) in <paramref name="dotEnvPath"/>;
    /// null if neither has one.
    /// </summary>
    public static HubToken? Find(Func<string, string?> environment, string dotEnvPath)
    {
        var fromEnvironment = environment(EnvironmentVariable)?.Trim();
        if (!string.IsNullOrEmpty(fromEnvironment)) return new HubToken(fromEnvironment, EnvironmentVariable);
        if (!File.Exists(dotEnvPath)) return null;
        var values = ReadDotEnv(dotEnvPath);
        foreach (var key in new[] { DotEnvKey, EnvironmentVariable })
            if (values.TryGetValue(key, out var value) && value.Length > 0)
                return new HubToken(value, Path.GetFullPath(dotEnvPath));
        return null;
    }

    /// <summary>A token given directly (tests, callers with their own secret store).</summary>
    public static HubToken FromValue(string value, string source)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        return new HubToken(value.Trim(), source);
    }

    /// <summary>KEY=VALUE lines as python-dotenv reads them: '#' comments, optional "export ", optional quotes.</summary>
    private static Dictionary<string, string> ReadDotEnv(string path)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            if (line.StartsWith("export ", StringComparison.Ordinal)) line = line[7..].TrimStart();
            var eq = line.IndexOf('=');
            if (eq <= 0) continue;
            var key = line[..eq].Trim();
            var value = line[(eq + 1)..].Trim();
            if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0])
                value = value[1..^1];
            else if (value.IndexOf(" #", StringComparison.Ordinal) is var comment and >= 0)
                value = value[..comment].TrimEnd();
            values[key] = value;
        }
        return values;
    }
}
