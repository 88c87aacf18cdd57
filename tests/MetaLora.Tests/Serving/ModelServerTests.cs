using System.Net;
using System.Text;
using System.Text.Json;

namespace MetaLora.Tests.Serving;

/// <summary><c>lora serve</c> as any OpenAI client sees it: its answers, its error bodies, batching of concurrent requests.</summary>
public sealed class ModelServerTests(ServedStudy study) : IClassFixture<ServedStudy>
{
    private readonly HttpClient _http = new();

    private async Task<(HttpStatusCode Status, JsonElement Body)> Post(string path, string body)
    {
        using var response = await _http.PostAsync(study.Server.Url + path, new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.StartsWith('{') ? JsonDocument.Parse(text).RootElement.Clone() : JsonDocument.Parse(JsonSerializer.Serialize(text)).RootElement.Clone());
    }

    [Fact]
    public async Task Bad_requests_get_an_OpenAI_error_body_with_a_status_type_param_and_message()
    {
        var adapter = Path.Combine(study.Bank, "adapters", "task000_caesar_shift1");
        foreach (var (path, body, status, param, message) in new (string, string, HttpStatusCode, string?, string)[]
                 {
                     ("/v1/completions", "{\"model\": \"embedded\", \"prompt\": ", HttpStatusCode.BadRequest, null, "malformed JSON in the request body"),
                     ("/v1/completions", "[1, 2]", HttpStatusCode.BadRequest, null, "the request body must be a JSON object"),
                     ("/v1/completions", "{\"model\": \"gpt-4\", \"prompt\": \"hi\"}", HttpStatusCode.NotFound, "model", "The model `gpt-4` does not exist."),
                     ("/v1/completions", "{\"model\": \"embedded\", \"prompt\": \"hi\", \"max_tokens\": 0}", HttpStatusCode.BadRequest, "max_tokens", "max_tokens=0 is out of range: expected 1 to 510"),
                     ("/v1/completions", "{\"model\": \"embedded\", \"prompt\": \"hi\", \"max_tokens\": 100000}", HttpStatusCode.BadRequest, "max_tokens", "max_tokens=100000 is out of range"),
                     ("/v1/completions", "{\"model\": \"embedded\", \"prompt\": \"hi\", \"max_tokens\": \"many\"}", HttpStatusCode.BadRequest, "max_tokens", "max_tokens must be a whole number"),
                     ("/v1/completions", "{\"model\": \"embedded\"}", HttpStatusCode.BadRequest, "prompt", "prompt is required"),
                     ("/v1/load_lora_adapter", "{\"lora_name\": \"x\", \"lora_path\": \"/nonexistent/adapter\"}", HttpStatusCode.Forbidden, "lora_path", "lora_path is not inside a folder this server loads adapters from"),
                     ("/v1/load_lora_adapter", $"{{\"lora_name\": \"x\", \"lora_path\": {JsonSerializer.Serialize(Path.Combine(study.Bank, "adapters", "nonexistent"))}}}", HttpStatusCode.BadRequest, "lora_path", "adapters/nonexistent does not exist"),
                     ("/v1/load_lora_adapter", $"{{\"lora_name\": \"x\", \"lora_path\": {JsonSerializer.Serialize(Path.Combine(study.Bank, "datasets"))}}}", HttpStatusCode.BadRequest, "lora_path", "is not a LoRA adapter"),
                     ("/v1/load_lora_adapter", $"{{\"lora_name\": \"x\", \"lora_path\": {JsonSerializer.Serialize(Path.Combine(study.Bank, "base_model"))}}}", HttpStatusCode.BadRequest, "lora_path", "is not a LoRA adapter"),
                     ("/v1/load_lora_adapter", $"{{\"lora_path\": {JsonSerializer.Serialize(adapter)}}}", HttpStatusCode.BadRequest, "lora_name", "lora_name is required"),
                     ("/v1/unload_lora_adapter", "{\"lora_name\": \"never-loaded\"}", HttpStatusCode.NotFound, "lora_name", "The lora adapter 'never-loaded' cannot be found."),
                 })
        {
            var (actual, json) = await Post(path, body);
            Assert.True(status == actual, $"{path} {body}: {actual} {json}");
            var error = json.GetProperty("error");
            Assert.Contains(message, error.GetProperty("message").GetString());
            Assert.Equal((int)status, error.GetProperty("code").GetInt32());
            Assert.False(string.IsNullOrEmpty(error.GetProperty("type").GetString()));
            Assert.Equal(param, error.GetProperty("param").ValueKind == JsonValueKind.Null ? null : error.GetProperty("param").GetString());
        }
    }

    [Fact]
    public async Task Adapters_load_answer_and_unload_and_concurrent_requests_get_what_each_gets_alone()
    {
        var adapter = Path.Combine(study.Bank, "adapters", "task005_select_first1");
        var (loaded, _) = await Post("/v1/load_lora_adapter", $"{{\"lora_name\": \"select\", \"lora_path\": {JsonSerializer.Serialize(adapter)}}}");
        Assert.Equal(HttpStatusCode.OK, loaded);
        var (twice, again) = await Post("/v1/load_lora_adapter", $"{{\"lora_name\": \"select\", \"lora_path\": {JsonSerializer.Serialize(adapter)}}}");
        Assert.Equal(HttpStatusCode.BadRequest, twice);
        Assert.Contains("already been loaded", again.GetProperty("error").GetProperty("message").GetString());
        var models = JsonDocument.Parse(await _http.GetStringAsync(study.Server.Url + "/v1/models")).RootElement.GetProperty("data");
        var entry = models.EnumerateArray().Single(m => m.GetProperty("id").GetString() == "select");
        Assert.Equal("embedded", entry.GetProperty("parent").GetString());
        Assert.Equal(adapter, entry.GetProperty("root").GetString());

        // Several prompts, each alone and then all at once (the server batches them): the same texts.
        var prompts = File.ReadLines(Path.Combine(study.Bank, "datasets", "task005_select_first1", "test.jsonl"))
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("input").GetString()!).ToArray();
        async Task<(string Text, string Reason, int Tokens)> Complete(string model, string prompt, int maxTokens)
        {
            var (status, json) = await Post("/v1/completions", JsonSerializer.Serialize(new { model, prompt, max_tokens = maxTokens, temperature = 0 }));
            Assert.True(status == HttpStatusCode.OK, json.ToString());
            Assert.Equal("text_completion", json.GetProperty("object").GetString());
            var choice = json.GetProperty("choices")[0];
            return (choice.GetProperty("text").GetString()!, choice.GetProperty("finish_reason").GetString()!, json.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        }
        var requests = prompts.SelectMany(p => new[] { ("select", p, 24), ("embedded", p, 24), ("select", p, 2) }).ToArray();
        var alone = new List<(string, string, int)>();
        foreach (var (model, prompt, max) in requests) alone.Add(await Complete(model, prompt, max));
        var together = await Task.WhenAll(requests.Select(r => Complete(r.Item1, r.Item2, r.Item3)));
        Assert.Equal(alone, together);
        Assert.Contains(alone, a => a.Item1.Length > 0);
        Assert.All(alone.Where((_, i) => i % 3 == 2), a => Assert.True(a.Item3 <= 2));

        var (unloaded, _) = await Post("/v1/unload_lora_adapter", "{\"lora_name\": \"select\"}");
        Assert.Equal(HttpStatusCode.OK, unloaded);
        var (gone, _) = await Post("/v1/completions", JsonSerializer.Serialize(new { model = "select", prompt = prompts[0], max_tokens = 4 }));
        Assert.Equal(HttpStatusCode.NotFound, gone);
    }
}
