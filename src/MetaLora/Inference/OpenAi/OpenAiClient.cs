using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using MetaLora.IO.Http;
using MetaLora.Repro.CodeIdentity;

namespace MetaLora.Inference.OpenAi;

/// <summary>
/// The few calls Infer makes to an OpenAI-compatible server (vLLM's dialect): <c>GET /v1/models</c>,
/// <c>POST /v1/completions</c> with a raw prompt, and vLLM's run-time adapter endpoints
/// <c>POST /v1/load_lora_adapter</c> and <c>/v1/unload_lora_adapter</c>. Requests are retried on 408,
/// 429, 5xx, dropped connections and timeouts (<see cref="HttpRetry"/>). The API key goes only into
/// the Authorization header: messages name the endpoint and the variable, never the key.
/// Plain HttpClient and System.Text.Json rather than the OpenAI .NET library, which is built around
/// chat and knows nothing of vLLM's adapter endpoints: four small calls do not need it.
/// </summary>
[StageVariant(InferEngineNames.Parameter, InferEngineNames.OpenAi)]
internal sealed class OpenAiClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly HttpRetry _retry;
    private readonly string _keyVariable;
    private readonly bool _hasKey;

    /// <param name="endpoint">The server's root URL; a trailing <c>/v1</c> is accepted.</param>
    /// <param name="apiKey">The key (from the environment), or null to send none.</param>
    /// <param name="keyVariable">Where the key came from, to name it in messages.</param>
    /// <param name="retry">Back-off for transient failures.</param>
    /// <param name="log">Receives a line per retry.</param>
    public OpenAiClient(string endpoint, string? apiKey, string keyVariable, OpenAiRetrySettings retry, Action<string>? log = null)
    {
        Endpoint = NormalizeEndpoint(endpoint);
        _keyVariable = keyVariable;
        _hasKey = !string.IsNullOrEmpty(apiKey);
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), MaxConnectionsPerServer = 256 })
        {
            BaseAddress = new Uri(Endpoint + "/v1/"),
            Timeout = retry.AttemptTimeout,
        };
        if (_hasKey) _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        _retry = new HttpRetry(retry.MaxRetries, retry.BaseDelay, retry.MaxDelay, log);
    }

    /// <summary>The server's root URL, without a trailing slash or <c>/v1</c>.</summary>
    public string Endpoint { get; }

    /// <summary>
    /// <c>http(s)://host[:port][/path]</c> without a trailing slash or <c>/v1</c>; anything else fails
    /// with one line.
    /// </summary>
    public static string NormalizeEndpoint(string endpoint)
    {
        if (!Uri.TryCreate(endpoint.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
            throw new BadInputException($"--endpoint={endpoint}: expected the server's URL, e.g. http://localhost:8000");
        var text = uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
        return text.EndsWith("/v1", StringComparison.Ordinal) ? text[..^3] : text;
    }

    /// <summary>
    /// The served models. An endpoint that does not answer at all fails at once (no retries), so a
    /// wrong URL is one quick line; 5xx and 429 are retried as usual.
    /// </summary>
    public async Task<IReadOnlyList<ServedModel>> ModelsAsync(CancellationToken ct = default)
    {
        var (status, body) = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, "models"), "GET /v1/models", retryUnreachable: false, ct);
        if (status == HttpStatusCode.NotFound)
            throw new BadInputException($"{Endpoint}: GET /v1/models answered 404 Not Found; is this an OpenAI-compatible server? Give its root URL (e.g. http://host:8000)");
        CheckAccess(status, body, "GET /v1/models");
        if (status != HttpStatusCode.OK) throw Unexpected(status, body, "GET /v1/models");
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.GetProperty("data").EnumerateArray().Select(e => new ServedModel(
                e.GetProperty("id").GetString() ?? throw new FormatException("an entry without an id"),
                e.TryGetProperty("root", out var root) && root.ValueKind == JsonValueKind.String ? root.GetString() : null,
                e.TryGetProperty("parent", out var parent) && parent.ValueKind == JsonValueKind.String ? parent.GetString() : null)).ToArray();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new BadInputException($"{Endpoint}: GET /v1/models: not an OpenAI model list ({e.Message})");
        }
    }

    /// <summary>
    /// One greedy completion of a raw prompt (no chat template): the generated text and the finish
    /// reason, or null when the server does not know <paramref name="model"/> (HTTP 404).
    /// </summary>
    public async Task<Completion?> CompleteAsync(string model, string prompt, int maxTokens, CancellationToken ct = default)
    {
        var request = Json(w =>
        {
            w.WriteString("model", model);
            w.WriteString("prompt", prompt);
            w.WriteNumber("max_tokens", maxTokens);
            w.WriteNumber("temperature", 0);
        });
        var (status, body) = await SendAsync(() => Post("completions", request), "POST /v1/completions", retryUnreachable: true, ct);
        if (status == HttpStatusCode.NotFound) return null;
        CheckAccess(status, body, "POST /v1/completions");
        if (status != HttpStatusCode.OK) throw Unexpected(status, body, $"POST /v1/completions (model {model})");
        try
        {
            using var json = JsonDocument.Parse(body);
            var choice = json.RootElement.GetProperty("choices")[0];
            var reason = choice.TryGetProperty("finish_reason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            return new Completion(choice.GetProperty("text").GetString() ?? "", reason);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException)
        {
            throw new BadInputException($"{Endpoint}: POST /v1/completions: not a completion ({e.Message})");
        }
    }

    /// <summary>
    /// Registers an adapter at run time. Returns the server's answer: 200 loaded; a 400 that says the
    /// name is taken counts as loaded; anything else (403 included) is returned for the caller to explain.
    /// </summary>
    public async Task<(HttpStatusCode Status, string Message)> LoadAdapterAsync(string name, string serverPath, CancellationToken ct = default)
    {
        var request = Json(w =>
        {
            w.WriteString("lora_name", name);
            w.WriteString("lora_path", serverPath);
        });
        var (status, body) = await SendAsync(() => Post("load_lora_adapter", request), "POST /v1/load_lora_adapter", retryUnreachable: true, ct);
        // A 403 here is lora serve refusing a folder outside those it loads from, for the caller to explain;
        // a key a server refuses with 403 fails GET /v1/models first.
        if (status != HttpStatusCode.Forbidden) CheckAccess(status, body, "POST /v1/load_lora_adapter");
        return (status, ErrorMessage(body));
    }

    /// <summary>Unloads an adapter; false when the server did not (it is then left to the server).</summary>
    public async Task<bool> UnloadAdapterAsync(string name, CancellationToken ct = default)
    {
        var request = Json(w => w.WriteString("lora_name", name));
        var (status, _) = await SendAsync(() => Post("unload_lora_adapter", request), "POST /v1/unload_lora_adapter", retryUnreachable: true, ct);
        return status == HttpStatusCode.OK;
    }

    public void Dispose() => _http.Dispose();

    /// <summary>The message of an OpenAI-style error body (<c>{"error": {"message"}}</c> or vLLM's older <c>{"message"}</c>), else the body's start.</summary>
    public static string ErrorMessage(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var m1) && m1.ValueKind == JsonValueKind.String)
                    return m1.GetString()!;
                if (root.TryGetProperty("message", out var m2) && m2.ValueKind == JsonValueKind.String) return m2.GetString()!;
                if (root.TryGetProperty("detail", out var m3) && m3.ValueKind == JsonValueKind.String) return m3.GetString()!;
            }
        }
        catch (JsonException)
        {
        }
        var text = body.ReplaceLineEndings(" ").Trim();
        return text.Length <= 200 ? text : text[..200] + "...";
    }

    private async Task<(HttpStatusCode Status, string Body)> SendAsync(Func<HttpRequestMessage> make, string what, bool retryUnreachable, CancellationToken ct) =>
        await _retry.ExecuteAsync(async token =>
        {
            try
            {
                using var request = make();
                using var response = await _http.SendAsync(request, token);
                var body = await response.Content.ReadAsStringAsync(token);
                var status = (int)response.StatusCode;
                if (status is 408 or 429 || status >= 500)
                    throw TransientHttpException.Of(response, $"{Endpoint}: {what}: HTTP {status} {response.ReasonPhrase}".TrimEnd());
                return (response.StatusCode, body);
            }
            catch (HttpRequestException e) when (!retryUnreachable && Unreachable(e))
            {
                throw new BadInputException($"{Endpoint}: cannot connect ({e.Message}); is the server running, and is this its URL?");
            }
            catch (Exception e) when (e is HttpRequestException or IOException || (e is TaskCanceledException && !token.IsCancellationRequested))
            {
                throw new TransientHttpException($"{Endpoint}: {what}: {(e is TaskCanceledException ? "no answer in time" : e.Message)}", null, e);
            }
        }, ct);

    private static bool Unreachable(HttpRequestException e) =>
        e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.NoData or SocketError.HostUnreachable or SocketError.NetworkUnreachable };

    private void CheckAccess(HttpStatusCode status, string body, string what)
    {
        if (status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)) return;
        throw new BadInputException(_hasKey
            ? $"{Endpoint}: {what}: HTTP {(int)status}: the server rejected the API key in ${_keyVariable}; check it (--api-key-env names another variable)"
            : $"{Endpoint}: {what}: HTTP {(int)status}: the server wants an API key; set ${_keyVariable} (or name another variable with --api-key-env)");
    }

    private BadInputException Unexpected(HttpStatusCode status, string body, string what) =>
        new($"{Endpoint}: {what}: HTTP {(int)status}: {ErrorMessage(body)}");

    private static HttpRequestMessage Post(string path, byte[] json) =>
        new(HttpMethod.Post, path) { Content = new ByteArrayContent(json) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } } };

    private static byte[] Json(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            write(w);
            w.WriteEndObject();
        }
        return stream.ToArray();
    }
}
