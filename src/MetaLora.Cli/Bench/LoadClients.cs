using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MetaLora.Cli.Bench;

/// <summary>
/// N clients sending completions to one server for a fixed time, each one request after another,
/// cycling through the prompts and alternating between the base model and the adapters so both
/// kinds of batch are exercised. A 429 is counted and its <c>Retry-After</c> honoured (at most 1 s).
/// </summary>
internal sealed class LoadClients(HttpClient http, IReadOnlyList<string> prompts, IReadOnlyList<string> models, int maxTokens)
{
    private long _tokens, _tooMany, _errors;
    private readonly List<double> _latencies = [];

    public async Task<ServeLevel> RunAsync(int clients, TimeSpan duration)
    {
        _tokens = _tooMany = _errors = 0;
        _latencies.Clear();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => ClientAsync(c, clients, clock, duration)));
        var seconds = clock.Elapsed.TotalSeconds;
        var sorted = _latencies.Order().ToArray();
        return new ServeLevel(clients, seconds, sorted.Length, _tokens, Percentile(sorted, 0.50), Percentile(sorted, 0.99), _tooMany, _errors, 0);
    }

    /// <summary>One request, checked; its generated tokens, or null when it was not a 200.</summary>
    public async Task<int?> SendAsync(string model, string prompt, CancellationToken cancel)
    {
        // ignore_eos (vLLM's): every request generates max_tokens, so levels compare the same work.
        var body = new JsonObject { ["model"] = model, ["prompt"] = prompt, ["max_tokens"] = maxTokens, ["temperature"] = 0, ["ignore_eos"] = true };
        using var response = await http.PostAsJsonAsync("/v1/completions", body, cancel);
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            Interlocked.Increment(ref _tooMany);
            var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromMilliseconds(100);
            await Task.Delay(wait > TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : wait, cancel);
            return null;
        }
        if (!response.IsSuccessStatusCode)
        {
            Interlocked.Increment(ref _errors);
            return null;
        }
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancel));
        return answer.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32();
    }

    private async Task ClientAsync(int client, int clients, Stopwatch clock, TimeSpan duration)
    {
        for (var i = 0; clock.Elapsed < duration; i++)
        {
            // Client c's i-th request: prompts and models interleaved so concurrent clients differ.
            var k = client + i * clients;
            var started = clock.Elapsed;
            int? tokens;
            try
            {
                tokens = await SendAsync(models[k % models.Count], prompts[k % prompts.Count], CancellationToken.None);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
            {
                Interlocked.Increment(ref _errors);
                continue;
            }
            if (tokens is not { } generated) continue;
            Interlocked.Add(ref _tokens, generated);
            lock (_latencies) _latencies.Add((clock.Elapsed - started).TotalSeconds);
        }
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
