using System.Diagnostics;
using System.Net;
using MetaLora.Tests.Support;

namespace MetaLora.Tests.Serving;

/// <summary>
/// <c>lora serve</c> as a service manager stops it: SIGTERM (kill -TERM, as systemd, Docker and Kubernetes
/// send it; Ctrl+C takes the same path) to the real process. New requests are refused, the request in hand
/// is answered (done in time, or cancelled with 503 after --shutdown-timeout), and the process exits 0.
/// </summary>
public sealed class GracefulShutdownTests(ServeBank bank) : IClassFixture<ServeBank>
{
    [Fact]
    public async Task SIGTERM_lets_the_request_in_hand_finish_refuses_new_ones_and_exits_0()
    {
        // A shutdown timeout far longer than the request takes, so that a busy machine cannot cut it short.
        using var server = bank.Serve(null, "--shutdown-timeout", "60");
        using var client = new ServeClient(server.Url);
        var inHand = client.Post("/v1/completions", ServeClient.Long(4, 300));
        await ServeClient.Eventually(async () => await client.Metric("lora_serve_requests_running") == 1, "the request runs");
        server.Signal("TERM");

        // A request during the shutdown: the listener is closed, or the server answers 503 with an error body.
        await ServeClient.Eventually(async () => await Refused(server.Url), "new requests refused");
        var answer = await inHand;
        Assert.True(answer.Status == HttpStatusCode.OK, answer.Text);
        Assert.Equal(4 * 300, answer.Json.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(0, server.WaitForExit(TimeSpan.FromSeconds(60)));
        Assert.EndsWith("lora serve: stopped", server.Output.TrimEnd());
        ServeClient.AssertNoInsides(server.Output, "the server's log");
    }

    [Fact]
    public async Task A_request_past_the_shutdown_timeout_is_cancelled_with_503_and_the_process_still_exits_0()
    {
        using var server = bank.Serve(null, "--shutdown-timeout", "0.5");
        using var client = new ServeClient(server.Url);
        var inHand = client.Post("/v1/completions", ServeClient.Long(16, 500));
        await ServeClient.Eventually(async () => await client.Metric("lora_serve_requests_running") == 1, "the request runs");
        var clock = Stopwatch.StartNew();
        server.Signal("TERM");

        var error = ServeClient.AssertError(await inHand, HttpStatusCode.ServiceUnavailable, "the request in hand");
        Assert.Contains("the server shut down before the request was done (--shutdown-timeout=0.5 s); it was cancelled", error.GetProperty("message").GetString());
        Assert.Equal(0, server.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"exited {clock.Elapsed} after SIGTERM");
        ServeClient.AssertNoInsides(server.Output, "the server's log");
    }

    /// <summary>Whether a new request (on a new connection) is turned away: no listener, or 503 with an OpenAI error body.</summary>
    private static async Task<bool> Refused(string url)
    {
        using var client = new ServeClient(url);
        try
        {
            var answer = await client.Post("/v1/completions", ServeClient.Completion("hello", 2));
            if (answer.Status != HttpStatusCode.ServiceUnavailable) return false;
            ServeClient.AssertError(answer, HttpStatusCode.ServiceUnavailable, "a request during the shutdown");
            return true;
        }
        catch (HttpRequestException)
        {
            return true;
        }
    }
}
