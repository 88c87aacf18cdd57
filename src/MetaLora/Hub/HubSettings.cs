namespace MetaLora.Hub;

/// <summary>
/// Where the Hub is and who we are: the endpoint (HF_ENDPOINT, for mirrors; default
/// https://huggingface.co), the token, and how patiently to retry.
/// </summary>
internal sealed record HubSettings(Uri Endpoint, HubToken? Token)
{
    public const string EndpointVariable = "HF_ENDPOINT";
    public static readonly Uri DefaultEndpoint = new("https://huggingface.co");

    /// <summary>Retries after the first attempt for 429, 5xx and dropped connections.</summary>
    public int MaxRetries { get; init; } = 6;

    /// <summary>First back-off delay; it doubles per retry (with jitter), up to <see cref="MaxDelay"/>.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A connection that delivers no byte for this long is treated as dropped (and resumed).</summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The endpoint and token of this process: HF_ENDPOINT, HF_TOKEN or the .env file in <paramref name="directory"/>.</summary>
    public static HubSettings FromEnvironment(string directory) =>
        FromEnvironment(Environment.GetEnvironmentVariable, Path.Combine(directory, HubToken.DotEnvFileName));

    public static HubSettings FromEnvironment(Func<string, string?> environment, string dotEnvPath)
    {
        var endpointText = environment(EndpointVariable)?.Trim();
        var endpoint = DefaultEndpoint;
        if (!string.IsNullOrEmpty(endpointText))
        {
            if (!Uri.TryCreate(endpointText.TrimEnd('/'), UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
                throw new BadInputException($"{EndpointVariable}={endpointText}: expected an http(s) URL such as {DefaultEndpoint}");
            endpoint = parsed;
        }
        return new HubSettings(endpoint, HubToken.Find(environment, dotEnvPath));
    }
}
