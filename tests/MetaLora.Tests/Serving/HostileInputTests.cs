using System.Net;
using System.Text;
using System.Text.Json;
using MetaLora.Tests.Support;

namespace MetaLora.Tests.Serving;

/// <summary>
/// <c>lora serve</c> against a hostile client, on one real server for the class: every bad request gets a 4xx
/// with OpenAI's error body, never a 500, never a stack trace (in the answer or the server's log), and the
/// server answers a normal completion afterwards. Requests during a shutdown are in <see cref="GracefulShutdownTests"/>.
/// </summary>
public sealed class HostileInputTests(HostileServer hostile) : IClassFixture<HostileServer>
{
    private ServeClient Client => hostile.Client;

    [Fact]
    public async Task Malformed_truncated_and_wrongly_typed_bodies_get_400_naming_what_is_wrong()
    {
        var deep = new string('[', 5000) + new string(']', 5000);
        foreach (var (body, param, message) in new (string, string?, string)[]
                 {
                     ("{\"model\": \"embedded\", \"prompt\": \"hi\"", null, "malformed JSON in the request body"),
                     ("{\"model\": \"embedded\", \"prompt\": ", null, "malformed JSON"),
                     ("{model: embedded}", null, "malformed JSON"),
                     ("{\"model\": \"embedded\", \"prompt\": \"hi\",}", null, "malformed JSON"),
                     ("", null, "malformed JSON"),
                     (deep, null, "malformed JSON"),
                     ("null", null, "the request body must be a JSON object"),
                     ("[{\"model\": \"embedded\"}]", null, "the request body must be a JSON object"),
                     ("\"prompt\"", null, "the request body must be a JSON object"),
                     ("{\"model\": 5, \"prompt\": \"hi\"}", "model", "model is required (a non-empty string)"),
                     ("{\"model\": \"\", \"prompt\": \"hi\"}", "model", "model is required"),
                     ("{\"model\": \"embedded\"}", "prompt", "prompt is required"),
                     ("{\"model\": \"embedded\", \"prompt\": 5}", "prompt", "prompt must be a string or a non-empty list of strings"),
                     ("{\"model\": \"embedded\", \"prompt\": []}", "prompt", "prompt must be a string or a non-empty list of strings"),
                     ("{\"model\": \"embedded\", \"prompt\": [1, 2, 3]}", "prompt", "prompt must be a string or a non-empty list of strings"),
                     ("{\"model\": \"embedded\", \"prompt\": \"hi\", \"max_tokens\": \"many\"}", "max_tokens", "max_tokens must be a whole number"),
                     ("{\"model\": \"embedded\", \"prompt\": \"hi\", \"max_tokens\": 1.5}", "max_tokens", "max_tokens must be a whole number"),
                     ("{\"model\": \"embedded\", \"prompt\": \"hi\", \"temperature\": \"hot\"}", "temperature", "temperature must be a finite number"),
                     ("{\"model\": \"embedded\", \"prompt\": \"hi\", \"top_p\": true}", "top_p", "top_p must be a finite number"),
                     ("{\"model\": \"embedded\", \"prompt\": \"hi\", \"seed\": \"x\"}", "seed", "seed must be a whole number"),
                     ("{\"model\": \"embedded\", \"prompt\": \"hi\", \"ignore_eos\": \"yes\"}", "ignore_eos", "ignore_eos must be true or false"),
                     ("{\"model\": \"embedded\", \"prompt\": \"hi\", \"model\": \"other\"}", "model", "model is given twice"),
                 })
            await Refused(body, HttpStatusCode.BadRequest, param, message);
        await AssertStillServes();
    }

    [Fact]
    public async Task Huge_negative_and_non_finite_numbers_get_400()
    {
        foreach (var (fields, param, message) in new (string, string?, string)[]
                 {
                     ("\"max_tokens\": 0", "max_tokens", "max_tokens=0 is out of range: expected 1 to 510"),
                     ("\"max_tokens\": -5", "max_tokens", "max_tokens=-5 is out of range"),
                     ("\"max_tokens\": 100000", "max_tokens", "max_tokens=100000 is out of range"),
                     ("\"max_tokens\": 1e30", "max_tokens", "is out of range"),
                     ("\"max_tokens\": 99999999999999999999999999999", "max_tokens", "is out of range"),
                     ("\"max_tokens\": -1e300", "max_tokens", "is out of range"),
                     ("\"temperature\": -1", "temperature", "temperature=-1: expected >= 0"),
                     ("\"temperature\": 1e999", "temperature", "temperature must be a finite number"),
                     ("\"temperature\": -1e999", "temperature", "temperature must be a finite number"),
                     ("\"top_p\": 0", "top_p", "expected a number in (0, 1]"),
                     ("\"top_p\": 1.5", "top_p", "expected a number in (0, 1]"),
                     ("\"top_p\": 1e999", "top_p", "top_p must be a finite number"),
                     ("\"seed\": 1e999", "seed", "seed must be a whole number"),
                 })
            await Refused($"{{\"model\": \"embedded\", \"prompt\": \"hi\", {fields}}}", HttpStatusCode.BadRequest, param, message);
        await AssertStillServes();
    }

    [Fact]
    public async Task Unknown_fields_and_OpenAI_parameters_the_server_does_not_implement_get_400_naming_them()
    {
        foreach (var (fields, param, message) in new (string, string?, string)[]
                 {
                     ("\"foo\": 1", "foo", "unknown field: foo"),
                     ("\"top_k\": 5", "top_k", "unknown field: top_k"),
                     ("\"\": 1", "", "unknown field: "),
                     ("\"logprobs\": 2", "logprobs", "logprobs is not supported"),
                     ("\"echo\": true", "echo", "echo is not supported"),
                     ("\"n\": 2", "n", "n is not supported beyond 1"),
                     ("\"n\": \"two\"", "n", "n is not supported"),
                     ("\"best_of\": 3", "best_of", "best_of is not supported"),
                     ("\"suffix\": \"end\"", "suffix", "suffix is not supported"),
                     ("\"presence_penalty\": 0.5", "presence_penalty", "presence_penalty is not supported"),
                     ("\"frequency_penalty\": -1", "frequency_penalty", "frequency_penalty is not supported"),
                     ("\"logit_bias\": {\"5\": 100}", "logit_bias", "logit_bias is not supported"),
                     ("\"stream\": \"yes\"", "stream", "stream must be true or false"),
                     ("\"stream_options\": {\"include_usage\": true}", "stream_options", "stream_options is only allowed with stream: true"),
                     ("\"stop\": [1]", "stop", "stop must be a string or a list of strings"),
                     ("\"stop\": \"\"", "stop", "every stop sequence must have 1 to"),
                 })
            await Refused($"{{\"model\": \"embedded\", \"prompt\": \"hi\", {fields}}}", HttpStatusCode.BadRequest, param, message);

        // Their "off" values, and user (no meaning for generation), are accepted, and change nothing.
        var plain = await Client.Post("/v1/completions", ServeClient.Completion("hello", 4));
        var off = await Client.Post("/v1/completions", "{\"model\": \"embedded\", \"prompt\": \"hello\", \"max_tokens\": 4, \"temperature\": 0, \"user\": \"u-1\", " +
                                                      "\"n\": 1, \"best_of\": 1, \"echo\": false, \"logprobs\": null, \"suffix\": \"\", \"presence_penalty\": 0, " +
                                                      "\"frequency_penalty\": 0.0, \"logit_bias\": {}, \"stream\": false, \"stop\": [], \"seed\": null}");
        Assert.True(off.Status == HttpStatusCode.OK, off.Text);
        Assert.Equal(Text(plain), Text(off));
        await AssertStillServes();
    }

    [Fact]
    public async Task Invalid_UTF8_a_10_MB_body_and_a_prompt_far_past_the_models_positions_are_refused()
    {
        var invalid = Encoding.UTF8.GetBytes("{\"model\": \"embedded\", \"prompt\": \"XX\"}");
        invalid[Array.IndexOf(invalid, (byte)'X')] = 0xFF;
        invalid[Array.LastIndexOf(invalid, (byte)'X')] = 0xFE;
        var error = ServeClient.AssertError(await Client.Post("/v1/completions", invalid), HttpStatusCode.BadRequest, "invalid UTF-8");
        Assert.Equal("the request body is not valid UTF-8", error.GetProperty("message").GetString());

        var huge = Encoding.UTF8.GetBytes(ServeClient.Completion(new string('a', 10 << 20), 4));
        error = ServeClient.AssertError(await Client.Post("/v1/completions", huge), HttpStatusCode.RequestEntityTooLarge, "a 10 MB body");
        Assert.Contains("larger than 1048576 bytes", error.GetProperty("message").GetString());

        var longPrompt = string.Concat(Enumerable.Repeat("the cat ", 12_500));
        error = ServeClient.AssertError(await Client.Post("/v1/completions", ServeClient.Completion(longPrompt, 4)), HttpStatusCode.BadRequest, "a 100k-character prompt");
        Assert.Matches(@"^the prompt has \d{4,} tokens, more than this server's limit of 511 \(--max-input-tokens\)$", error.GetProperty("message").GetString());
        Assert.Equal("prompt", error.GetProperty("param").GetString());

        // Within the prompt limit, but not with max_tokens: vLLM's message, with the counts.
        // About 300 tokens: each repetition costs the tokens of one less BOS.
        var perRepetition = await PromptTokens("the cat sat on the mat ") - 1;
        var withRoom = string.Concat(Enumerable.Repeat("the cat sat on the mat ", 300 / perRepetition));
        error = ServeClient.AssertError(await Client.Post("/v1/completions", ServeClient.Completion(withRoom, 400)), HttpStatusCode.BadRequest, "prompt + max_tokens");
        Assert.Matches(@"^This model's maximum context length is 512 tokens\. However, you requested (\d+) tokens \(\d+ in the prompt, 400 in the completion\)\.",
            error.GetProperty("message").GetString());

        var tooMany = ServeClient.Completion(Enumerable.Repeat("hi", 17).ToArray(), 2);
        error = ServeClient.AssertError(await Client.Post("/v1/completions", tooMany), HttpStatusCode.BadRequest, "17 prompts");
        Assert.Contains("17 prompts in one request; this server takes at most 16 (--batch-size)", error.GetProperty("message").GetString());
        await AssertStillServes();
    }

    [Fact]
    public async Task Unknown_models_endpoints_and_methods_get_404_or_405()
    {
        ServeClient.AssertError(await Client.Post("/v1/completions", ServeClient.Completion("hi", 2, model: "gpt-4")), HttpStatusCode.NotFound, "unknown model");
        ServeClient.AssertError(await Client.Post("/v1/completions", ServeClient.Completion("hi", 2, model: "../../etc/passwd")), HttpStatusCode.NotFound, "a path as model");
        ServeClient.AssertError(await Client.Post("/v1/chat/completionz", "{}"), HttpStatusCode.NotFound, "unknown endpoint");
        ServeClient.AssertError(await Client.Send(HttpMethod.Get, "/v1/completions"), HttpStatusCode.MethodNotAllowed, "GET on a POST endpoint");
        ServeClient.AssertError(await Client.Send(HttpMethod.Delete, "/v1/models"), HttpStatusCode.MethodNotAllowed, "DELETE /v1/models");
        await AssertStillServes();
    }

    [Fact]
    public async Task Without_the_key_or_with_a_wrong_one_every_endpoint_answers_401()
    {
        using var anonymous = new ServeClient(hostile.Server.Url);
        using var wrong = new ServeClient(hostile.Server.Url, "sk-wrong");
        using var longer = new ServeClient(hostile.Server.Url, HostileServer.Key + "x");
        foreach (var client in new[] { anonymous, wrong, longer })
        {
            ServeClient.AssertError(await client.Post("/v1/completions", ServeClient.Completion("hi", 2)), HttpStatusCode.Unauthorized, "completions");
            ServeClient.AssertError(await client.Send(HttpMethod.Get, "/v1/models"), HttpStatusCode.Unauthorized, "models");
            ServeClient.AssertError(await client.Post("/v1/load_lora_adapter", Load("x", hostile.Bank.Adapter)), HttpStatusCode.Unauthorized, "load");
        }
        using var basic = new HttpRequestMessage(HttpMethod.Get, hostile.Server.Url + "/v1/models");
        basic.Headers.TryAddWithoutValidation("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("user:" + HostileServer.Key)));
        ServeClient.AssertError(await anonymous.Send(HttpMethod.Get, "", basic), HttpStatusCode.Unauthorized, "Basic auth");
        Assert.DoesNotContain(HostileServer.Key, hostile.Server.Output);
        await AssertStillServes();
    }

    [Fact]
    public async Task Adapters_load_only_from_allowed_folders_and_a_refusal_does_not_tell_whether_a_path_exists()
    {
        var allowed = hostile.Allowed;
        var refusals = new List<string>();
        foreach (var path in new[]
                 {
                     "/etc", "/nonexistent/dir", "/root/.ssh", Path.Combine(hostile.Outside, "copy"), Path.Combine(hostile.Outside, "missing"),
                     Path.Combine(allowed, "..", "..", "..", "..", "etc"), Path.Combine(allowed, "..", "outside", "copy"), Path.Combine(allowed, "to-etc"),
                     Path.Combine(allowed, "to-etc", "ssl"), Path.Combine(allowed, "to-outside"), Path.Combine(allowed, "to-outside", "..", "copy"),
                     "relative/../../../../etc", "",
                 })
        {
            if (path.Length == 0) continue;
            var answer = await Client.Post("/v1/load_lora_adapter", Load("probe", path));
            var error = ServeClient.AssertError(answer, HttpStatusCode.Forbidden, path);
            Assert.Equal("lora_path", error.GetProperty("param").GetString());
            refusals.Add(answer.Text);
        }
        // Byte for byte the same, existing or not.
        Assert.Single(refusals.Distinct());

        // Inside the allowed folders a client may learn what is wrong.
        Assert.Contains("does not exist", ServeClient.AssertError(await Client.Post("/v1/load_lora_adapter", Load("x", Path.Combine(allowed, "missing"))),
            HttpStatusCode.BadRequest, "missing").GetProperty("message").GetString());
        Assert.Contains("is not a LoRA adapter", ServeClient.AssertError(await Client.Post("/v1/load_lora_adapter", Load("x", Path.Combine(allowed, "not-an-adapter"))),
            HttpStatusCode.BadRequest, "not an adapter").GetProperty("message").GetString());
        Assert.Contains("is not a LoRA adapter", ServeClient.AssertError(await Client.Post("/v1/load_lora_adapter", Load("x", Path.Combine(hostile.Bank.Bank, "datasets"))),
            HttpStatusCode.BadRequest, "the bank's datasets").GetProperty("message").GetString());
        ServeClient.AssertError(await Client.Post("/v1/load_lora_adapter", "{\"lora_name\": \"x\", \"lora_path\": \"/etc\", \"load_inplace\": true}"),
            HttpStatusCode.BadRequest, "unknown field");

        // The copy in the allowed folder, a link in it to the bank's adapter, and the bank's own load; /v1/models shows where from.
        foreach (var (name, path, root) in new[]
                 {
                     ("copy", Path.Combine(allowed, "copy"), Path.Combine(allowed, "copy")),
                     ("linked", Path.Combine(allowed, "to-bank-adapter"), hostile.Bank.Adapter),
                     ("bank", hostile.Bank.Adapter, hostile.Bank.Adapter),
                 })
        {
            var loaded = await Client.Post("/v1/load_lora_adapter", Load(name, path));
            Assert.True(loaded.Status == HttpStatusCode.OK, loaded.Text);
            var models = (await Client.Send(HttpMethod.Get, "/v1/models")).Json.GetProperty("data");
            Assert.Equal(root, models.EnumerateArray().Single(m => m.GetProperty("id").GetString() == name).GetProperty("root").GetString());
            await Client.Complete("hello", 3, name);
            Assert.Equal(HttpStatusCode.OK, (await Client.Post("/v1/unload_lora_adapter", $"{{\"lora_name\": \"{name}\"}}")).Status);
        }
        await AssertStillServes();
    }

    [Fact]
    public async Task Concurrent_loads_and_unloads_of_one_name_each_get_200_or_a_clean_4xx_and_leave_the_server_consistent()
    {
        var adapter = hostile.Bank.Adapter;
        var answers = await Task.WhenAll(Enumerable.Range(0, 48).Select(i => i % 3 == 2
            ? Client.Post("/v1/completions", ServeClient.Completion("hello", 2, model: "race"))
            : Client.Post(i % 3 == 0 ? "/v1/load_lora_adapter" : "/v1/unload_lora_adapter", i % 3 == 0 ? Load("race", adapter) : "{\"lora_name\": \"race\"}")));
        foreach (var answer in answers)
        {
            if (answer.Status == HttpStatusCode.OK) continue;
            var error = ServeClient.AssertError(answer, answer.Status, "a racing load, unload or completion");
            Assert.True(answer.Status is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, answer.Text);
            Assert.Matches("already been loaded|cannot be found|does not exist", error.GetProperty("message").GetString());
        }
        Assert.Contains(answers, a => a.Status == HttpStatusCode.OK);

        // Whatever the order was, the name is now loaded or not, and the next load, use and unload behave.
        var listed = (await Models()).Contains("race");
        var unload = await Client.Post("/v1/unload_lora_adapter", "{\"lora_name\": \"race\"}");
        Assert.Equal(listed ? HttpStatusCode.OK : HttpStatusCode.NotFound, unload.Status);
        Assert.DoesNotContain("race", await Models());
        Assert.Equal(HttpStatusCode.OK, (await Client.Post("/v1/load_lora_adapter", Load("race", adapter))).Status);
        await Client.Complete("hello", 3, "race");
        Assert.Equal(HttpStatusCode.OK, (await Client.Post("/v1/unload_lora_adapter", "{\"lora_name\": \"race\"}")).Status);
        Assert.DoesNotContain("race", await Models());
        await AssertStillServes();
    }

    private async Task Refused(string body, HttpStatusCode status, string? param, string message)
    {
        var error = ServeClient.AssertError(await Client.Post("/v1/completions", body), status, body.Length > 200 ? body[..200] : body);
        Assert.Contains(message, error.GetProperty("message").GetString());
        Assert.Equal(param, error.GetProperty("param").ValueKind == JsonValueKind.Null ? null : error.GetProperty("param").GetString());
    }

    /// <summary>A normal completion still works, and the server's log holds no stack trace.</summary>
    private async Task AssertStillServes()
    {
        var (texts, tokens) = await Client.Complete("hello", 3);
        Assert.Single(texts);
        Assert.Equal(3, tokens);
        Assert.Equal(0, await Client.Metric("lora_serve_errors_total{code=\"500\"}"));
        ServeClient.AssertNoInsides(hostile.Server.Output, "the server's log");
    }

    private async Task<int> PromptTokens(string prompt)
    {
        var answer = await Client.Post("/v1/completions", ServeClient.Completion(prompt, 1));
        Assert.True(answer.Status == HttpStatusCode.OK, answer.Text);
        return answer.Json.GetProperty("usage").GetProperty("prompt_tokens").GetInt32();
    }

    private async Task<string[]> Models() =>
        (await Client.Send(HttpMethod.Get, "/v1/models")).Json.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()!).ToArray();

    private static string Load(string name, string path) => JsonSerializer.Serialize(new { lora_name = name, lora_path = path });

    private static string Text(ServeClient.Answer answer) => answer.Json.GetProperty("choices")[0].GetProperty("text").GetString()!;
}
