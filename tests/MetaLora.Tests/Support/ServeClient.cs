using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace MetaLora.Tests.Support;

/// <summary>Plain HTTP to a <c>lora serve</c>, as any OpenAI client sends it, and the checks every answer must pass.</summary>
public sealed class ServeClient(string url, string? key = null) : IDisposable
{
    private readonly HttpClient _http = Client(key);

    public string Url { get; } = url;

    public sealed record Answer(HttpStatusCode Status, string Text, HttpResponseHeaders Headers)
    {
        public JsonElement Json => JsonDocument.Parse(Text).RootElement.Clone();
    }

    public Task<Answer> Post(string path, string body, CancellationToken ct = default) => Post(path, Encoding.UTF8.GetBytes(body), ct);

    public async Task<Answer> Post(string path, byte[] body, CancellationToken ct = default)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await _http.PostAsync(Url + path, content, ct);
        return new Answer(response.StatusCode, await response.Content.ReadAsStringAsync(ct), response.Headers);
    }

    public async Task<Answer> Send(HttpMethod method, string path, HttpRequestMessage? request = null)
    {
        using var message = request ?? new HttpRequestMessage(method, Url + path);
        using var response = await _http.SendAsync(message);
        return new Answer(response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers);
    }

    /// <summary>A greedy completion request's body.</summary>
    public static string Completion(object prompt, int maxTokens, string model = ServeBank.Model) =>
        JsonSerializer.Serialize(new { model, prompt, max_tokens = maxTokens, temperature = 0 });

    /// <summary>A request that keeps the model busy: <paramref name="prompts"/> rows generating through EOS to <paramref name="maxTokens"/> each.</summary>
    public static string Long(int prompts, int maxTokens) =>
        JsonSerializer.Serialize(new { model = ServeBank.Model, prompt = Enumerable.Range(0, prompts).Select(i => $"hello {i}").ToArray(), max_tokens = maxTokens, temperature = 0, ignore_eos = true });

    /// <summary>A greedy completion that must succeed; its choices' texts and completion tokens.</summary>
    public async Task<(string[] Texts, int Tokens)> Complete(object prompt, int maxTokens, string model = ServeBank.Model)
    {
        var answer = await Post("/v1/completions", Completion(prompt, maxTokens, model));
        Assert.True(answer.Status == HttpStatusCode.OK, answer.Text);
        var json = answer.Json;
        return (json.GetProperty("choices").EnumerateArray().Select(c => c.GetProperty("text").GetString()!).ToArray(),
            json.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    /// <summary>One sample of <c>GET /metrics</c>, e.g. <c>lora_serve_requests_cancelled_total{reason="timeout"}</c>.</summary>
    public async Task<long> Metric(string sample)
    {
        var answer = await Send(HttpMethod.Get, "/metrics");
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var match = Regex.Match(answer.Text, $"^{Regex.Escape(sample)} (\\d+)$", RegexOptions.Multiline);
        return match.Success ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    /// <summary>Polls until <paramref name="done"/> holds (the server's state moves on its own threads).</summary>
    public static async Task Eventually(Func<Task<bool>> done, string what, double seconds = 30)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!await done())
        {
            Assert.True(clock.Elapsed.TotalSeconds < seconds, $"{what}: not within {seconds} s");
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// An error answer as OpenAI's clients expect it: the status, and <c>{"error": {"message", "type", "param", "code"}}</c>
    /// with the same code, a message and no trace of the server's insides.
    /// </summary>
    public static JsonElement AssertError(Answer answer, HttpStatusCode status, string what)
    {
        Assert.True(answer.Status == status, $"{what}: HTTP {(int)answer.Status} {answer.Text}");
        var error = answer.Json.GetProperty("error");
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()), what);
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("type").GetString()), what);
        Assert.True(error.GetProperty("param").ValueKind is JsonValueKind.Null or JsonValueKind.String, what);
        Assert.Equal((int)status, error.GetProperty("code").GetInt32());
        AssertNoInsides(answer.Text, what);
        return error;
    }

    /// <summary>No stack frame and no exception type's name, in an answer or a log.</summary>
    public static void AssertNoInsides(string text, string what)
    {
        Assert.False(text.Contains("   at ", StringComparison.Ordinal), $"{what}: a stack trace: {text}");
        Assert.False(Regex.IsMatch(text, @"\b[A-Z]\w*Exception\b"), $"{what}: an exception's name: {text}");
    }

    private static HttpClient Client(string? key)
    {
        var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        if (key is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }

    public void Dispose() => _http.Dispose();
}
