using System.Diagnostics;
using System.Net;
using MetaLora.Tests.Support;

namespace MetaLora.Tests.Serving;

/// <summary>
/// <c>lora serve</c>'s limits on real servers: requests in hand (429 with Retry-After), a completion's time
/// (504), token counts (400 naming them), and a client that leaves, whose generation stops and frees its
/// place. The long requests are 8 or 16 prompts of a few hundred tokens: seconds on <see cref="ServeBank"/>.
/// </summary>
public sealed class ServingLimitsTests(LimitedServers servers) : IClassFixture<LimitedServers>
{
    private const string Tokens = "lora_serve_generation_tokens_total";
    private const string InHand = "lora_serve_requests_in_hand";

    [Fact]
    public async Task A_client_that_disconnects_stops_its_generation_and_frees_its_place()
    {
        using var client = new ServeClient(servers.Queue.Url);
        var tokensBefore = await client.Metric(Tokens);
        var goneBefore = await client.Metric(Cancelled("client_gone"));
        using var leaving = new CancellationTokenSource();
        var request = client.Post("/v1/completions", ServeClient.Long(8, 500), leaving.Token);
        await ServeClient.Eventually(async () => await client.Metric("lora_serve_requests_running") == 1, "the long request runs");
        await leaving.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        await ServeClient.Eventually(async () => await client.Metric(Cancelled("client_gone")) == goneBefore + 1, "the server sees the client gone");
        await ServeClient.Eventually(async () => await client.Metric(InHand) == 0, "its place is freed");

        // The next request is answered, and the one that left stopped far short of its 8 x 500 tokens.
        var (_, tokens) = await client.Complete("hello", 3);
        var leftBehind = await client.Metric(Tokens) - tokensBefore - tokens;
        Assert.True(leftBehind < 8 * 500 / 2, $"the cancelled request generated {leftBehind} tokens");
    }

    [Fact]
    public async Task With_the_requests_in_hand_at_the_limit_the_next_gets_429_with_Retry_After_until_one_is_done()
    {
        using var client = new ServeClient(servers.Queue.Url);
        using var leaving = new CancellationTokenSource();
        var first = client.Post("/v1/completions", ServeClient.Long(8, 500), leaving.Token);
        var second = client.Post("/v1/completions", ServeClient.Long(8, 500), leaving.Token);
        await ServeClient.Eventually(async () => await client.Metric(InHand) == 2, "two requests in hand");
        var refused = await client.Post("/v1/completions", ServeClient.Completion("hello", 2));
        var error = ServeClient.AssertError(refused, HttpStatusCode.TooManyRequests, "a third request");
        Assert.Contains("--max-concurrent-requests", error.GetProperty("message").GetString());
        Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
        ServeClient.AssertError(await client.Post("/v1/load_lora_adapter", $"{{\"lora_name\": \"a\", \"lora_path\": \"{servers.Bank.Adapter}\"}}"),
            HttpStatusCode.TooManyRequests, "a load");

        await leaving.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.WhenAll(first, second));
        await ServeClient.Eventually(async () => await client.Metric(InHand) == 0, "the places are freed");
        await client.Complete("hello", 2);
    }

    [Fact]
    public async Task A_completion_past_the_request_timeout_gets_504_and_its_generation_stops()
    {
        using var client = new ServeClient(servers.Strict.Url);
        var tokensBefore = await client.Metric(Tokens);
        var clock = Stopwatch.StartNew();
        var answer = await client.Post("/v1/completions", ServeClient.Long(16, 390));
        var error = ServeClient.AssertError(answer, HttpStatusCode.GatewayTimeout, "a long completion");
        Assert.Contains("longer than 1 s (--request-timeout); its generation was stopped", error.GetProperty("message").GetString());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"answered after {clock.Elapsed}");
        Assert.Equal(1, await client.Metric(Cancelled("timeout")));
        await ServeClient.Eventually(async () => await client.Metric(InHand) == 0, "its place is freed");

        var (_, tokens) = await client.Complete("hello", 3);
        Assert.True(await client.Metric(Tokens) - tokensBefore - tokens < 16 * 390, "the timed-out generation ran to the end");
    }

    [Fact]
    public async Task Token_limits_given_on_the_command_line_refuse_longer_requests_naming_the_counts()
    {
        using var client = new ServeClient(servers.Strict.Url);
        var models = (await client.Send(HttpMethod.Get, "/v1/models")).Json.GetProperty("data");
        Assert.Equal(400, models[0].GetProperty("max_model_len").GetInt32());

        var error = ServeClient.AssertError(await client.Post("/v1/completions", ServeClient.Completion("the cat sat on the mat and the dog sat on the log", 2)),
            HttpStatusCode.BadRequest, "a long prompt");
        Assert.Matches(@"^the prompt has \d+ tokens, more than this server's limit of 8 \(--max-input-tokens\)$", error.GetProperty("message").GetString());
        error = ServeClient.AssertError(await client.Post("/v1/completions", ServeClient.Completion(new[] { "hi", "the cat sat on the mat and the dog" }, 2)),
            HttpStatusCode.BadRequest, "a long second prompt");
        Assert.StartsWith("prompt 1 has", error.GetProperty("message").GetString());
        error = ServeClient.AssertError(await client.Post("/v1/completions", ServeClient.Completion("the cat", 398)), HttpStatusCode.BadRequest, "prompt + max_tokens");
        Assert.Matches(@"^This model's maximum context length is 400 tokens\. However, you requested 40[1-6] tokens \([3-8] in the prompt, 398 in the completion\)\.",
            error.GetProperty("message").GetString());
        error = ServeClient.AssertError(await client.Post("/v1/completions", ServeClient.Completion("hi", 399)), HttpStatusCode.BadRequest, "max_tokens");
        Assert.StartsWith("max_tokens=399 is out of range: expected 1 to 398", error.GetProperty("message").GetString());
        await client.Complete("hi", 2);

        // Limits the model cannot honour are refused at start, in one line.
        foreach (var (args, message) in new (string[], string)[]
                 {
                     (["--max-total-tokens", "100000"], "--max-total-tokens=100000: expected 3 to 512"),
                     (["--max-input-tokens", "512"], "--max-input-tokens=512: expected 1 to 511"),
                     (["--max-concurrent-requests", "0"], "--max-concurrent-requests=0: expected a whole number >= 1"),
                     (["--request-timeout", "-1"], "--request-timeout=-1: expected seconds from 0 to 86400"),
                     (["--allow-adapter-dir", "/nonexistent/adapters"], "--allow-adapter-dir: no such folder"),
                 })
        {
            var run = ToolProcess.Lora(servers.Bank.Root, ["serve", "--bank-dir", servers.Bank.Bank, "--port", "0", .. args]);
            Assert.Equal(2, run.ExitCode);
            Assert.Contains(message, run.Stderr);
        }
    }

    private static string Cancelled(string reason) => $"lora_serve_requests_cancelled_total{{reason=\"{reason}\"}}";
}
