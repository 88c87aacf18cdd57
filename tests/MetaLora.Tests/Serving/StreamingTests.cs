using System.Net;
using System.Text;
using System.Text.Json;
using MetaLora.Tests.Support;

namespace MetaLora.Tests.Serving;

/// <summary>
/// <c>stream: true</c> (server-sent events) and <c>stop</c> on <c>/v1/completions</c>, over a real server.
/// The tiny model's greedy text is one repeated character, so these tests sample (seeded, so each request
/// is repeatable) through EOS to get varied text.
/// </summary>
public sealed class StreamingTests(StreamingServer fixture) : IClassFixture<StreamingServer>
{
    private readonly ServeClient _client = fixture.Client;

    private static string Body(object prompt, int maxTokens, object? stop = null, bool stream = false, bool usage = false, string model = ServeBank.Model)
    {
        var body = new Dictionary<string, object?>
        {
            ["model"] = model, ["prompt"] = prompt, ["max_tokens"] = maxTokens, ["temperature"] = 1.5, ["seed"] = 7, ["ignore_eos"] = true,
        };
        if (stop is not null) body["stop"] = stop;
        if (stream) body["stream"] = true;
        if (usage) body["stream_options"] = new { include_usage = true };
        return JsonSerializer.Serialize(body);
    }

    private async Task<JsonElement> Whole(string body)
    {
        var answer = await _client.Post("/v1/completions", body);
        Assert.True(answer.Status == HttpStatusCode.OK, answer.Text);
        return answer.Json;
    }

    /// <summary>The events of a streamed answer, checked for the SSE framing; the last is [DONE].</summary>
    private async Task<List<JsonElement>> Events(string body)
    {
        using var http = new HttpClient();
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(_client.Url + "/v1/completions", content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var frames = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.All(frames, f => Assert.StartsWith("data: ", f));
        Assert.Equal("data: [DONE]", frames[^1]);
        Assert.Equal(text.Length, frames.Sum(f => f.Length + 2));
        return frames[..^1].Select(f => JsonDocument.Parse(f["data: ".Length..]).RootElement.Clone()).ToList();
    }

    private static string Text(JsonElement answer, int choice = 0) => answer.GetProperty("choices")[choice].GetProperty("text").GetString()!;

    private static string Finish(JsonElement answer, int choice = 0) => answer.GetProperty("choices")[choice].GetProperty("finish_reason").GetString()!;

    [Fact]
    public async Task A_streamed_completion_is_the_whole_one_in_pieces_with_one_id_and_the_usage_last()
    {
        var whole = await Whole(Body("hello", 24));
        Assert.True(Text(whole).Length > 10, Text(whole));
        var events = await Events(Body("hello", 24, stream: true, usage: true));
        Assert.True(events.Count > 3, "the text came in one piece");
        Assert.Single(events.Select(e => e.GetProperty("id").GetString()).Distinct());
        Assert.All(events, e => Assert.Equal("text_completion", e.GetProperty("object").GetString()));
        var chunks = events.Where(e => e.GetProperty("choices").GetArrayLength() > 0).ToList();
        Assert.Equal(Text(whole), string.Concat(chunks.Select(c => Text(c))));
        Assert.All(chunks[..^1], c => Assert.Equal(JsonValueKind.Null, c.GetProperty("choices")[0].GetProperty("finish_reason").ValueKind));
        Assert.Equal("length", Finish(chunks[^1]));
        var usage = events[^1];
        Assert.Equal(0, usage.GetProperty("choices").GetArrayLength());
        Assert.Equal(whole.GetProperty("usage").GetRawText(), usage.GetProperty("usage").GetRawText());
    }

    [Fact]
    public async Task A_stop_sequence_ends_the_completion_before_it_whole_or_streamed()
    {
        var full = Text(await Whole(Body("hello", 24)));
        // A stop from the middle of the text: the answer is what precedes its first occurrence.
        var stop = full.Substring(full.Length / 2, 3);
        var expected = full[..full.IndexOf(stop, StringComparison.Ordinal)];
        var stopped = await Whole(Body("hello", 24, stop: new[] { "never in this text \u0001", stop }));
        Assert.Equal(expected, Text(stopped));
        Assert.Equal("stop", Finish(stopped));
        Assert.True(stopped.GetProperty("usage").GetProperty("completion_tokens").GetInt32() < 24, "generation went on past the stop");

        var events = await Events(Body("hello", 24, stop: stop, stream: true));
        Assert.Equal(expected, string.Concat(events.Select(e => Text(e))));
        Assert.Equal("stop", Finish(events[^1]));
        Assert.DoesNotContain(events, e => Text(e).Contains(stop, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Each_prompt_of_a_streamed_batch_has_its_own_pieces_and_end()
    {
        var whole = await Whole(Body(new[] { "hello", "world" }, 12));
        var events = await Events(Body(new[] { "hello", "world" }, 12, stream: true));
        for (var i = 0; i < 2; i++)
        {
            var mine = events.Where(e => e.GetProperty("choices")[0].GetProperty("index").GetInt32() == i).ToList();
            Assert.Equal(Text(whole, i), string.Concat(mine.Select(e => Text(e))));
            Assert.Equal("length", Finish(mine[^1]));
        }
    }

    [Theory]
    [InlineData("""{"model":"embedded","prompt":"x","stream_options":{"include_usage":true}}""", "stream_options")]
    [InlineData("""{"model":"embedded","prompt":"x","stream":true,"stream_options":{"include_usage":true,"extra":1}}""", "extra")]
    [InlineData("""{"model":"embedded","prompt":"x","stream":"yes"}""", "stream")]
    [InlineData("""{"model":"embedded","prompt":"x","stop":3}""", "stop")]
    [InlineData("""{"model":"embedded","prompt":"x","stop":[""]}""", "stop")]
    [InlineData("""{"model":"embedded","prompt":"x","stop":["a","b","c","d","e","f","g","h","i","j","k","l","m","n","o","p","q"]}""", "stop")]
    public async Task Bad_stream_and_stop_parameters_get_400_naming_them(string body, string param)
    {
        var error = ServeClient.AssertError(await _client.Post("/v1/completions", body), HttpStatusCode.BadRequest, body);
        Assert.Equal(param, error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task A_streamed_request_the_server_refuses_gets_a_plain_json_error()
    {
        var answer = await _client.Post("/v1/completions", Body("hello", 12, stream: true, model: "no-such-model"));
        ServeClient.AssertError(answer, HttpStatusCode.NotFound, "unknown model, streamed");
    }
}
