using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MetaLora.Formats;
using MetaLora.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.ML.Tokenizers;
using TorchSharp;
using MetaLora.Inference.Local;

namespace MetaLora.Serving;

/// <summary>
/// <c>lora serve</c>: an OpenAI-compatible server over the tool's own model, in vLLM's dialect:
/// <c>GET /v1/models</c> (the base model and the adapters, each adapter with its base as parent),
/// <c>POST /v1/completions</c> (raw prompts, as Infer feeds them: BOS, no chat template; greedy at
/// temperature 0), and, unless run-time loading is off, <c>POST /v1/load_lora_adapter</c> and
/// <c>/v1/unload_lora_adapter</c>. Concurrent requests are batched (<see cref="GenerationQueue"/>).
/// Errors answer with OpenAI's body, <c>{"error": {"message", "type", "param", "code"}}</c>.
/// A completion's text is the decoded continuation, untrimmed, as vLLM returns it.
/// </summary>
internal sealed class ModelServer : IAsyncDisposable
{
    private static readonly JsonWriterOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly WebApplication _app;
    private readonly GenerationQueue _queue;
    private readonly MistralForCausalLM _model;
    private readonly Tokenizer _tokenizer;
    private readonly ModelServerOptions _options;
    private readonly string _root;
    private readonly long _created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    private long _requests;

    private ModelServer(WebApplication app, MistralForCausalLM model, Tokenizer tokenizer, ModelServerOptions options)
    {
        _app = app;
        _model = model;
        _tokenizer = tokenizer;
        _options = options;
        _root = Path.GetFullPath(options.ModelDir);
        _queue = new GenerationQueue(model, options.ModelName, options.BatchSize);
    }

    /// <summary>The bound address, e.g. <c>http://127.0.0.1:43117</c>.</summary>
    public string Url { get; private set; } = "";

    /// <summary>Loads the model and the start-up adapters, binds and starts answering.</summary>
    public static async Task<ModelServer> StartAsync(ModelServerOptions options)
    {
        if (options.BatchSize < 1) throw new BadInputException($"--batch-size={options.BatchSize}: expected a whole number >= 1");
        if (options.Port is < 0 or > 65535) throw new BadInputException($"--port={options.Port}: expected 0 to 65535 (0: any free port)");
        if (!IPAddress.TryParse(options.Host == "localhost" ? "127.0.0.1" : options.Host, out var address))
            throw new BadInputException($"--host={options.Host}: expected an IP address (e.g. 127.0.0.1, or 0.0.0.0 for every interface)");
        if (!MistralCheckpoint.Exists(options.ModelDir))
            throw BadInputException.At(options.ModelDir, "no base model weights (config.json and *.safetensors)");
        // As local Infer: a small model on one torch thread (the same bits), a large one on every core.
        torch.set_num_threads(LocalInfer.TorchThreads(options.ModelDir));
        var model = MistralCheckpoint.Load(options.ModelDir);
        var tokenizer = ModelTokenizer.FromFolder(options.ModelDir, model.Config);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(address, options.Port));
        var app = builder.Build();
        var server = new ModelServer(app, model, tokenizer, options);
        try
        {
            foreach (var (name, folder) in options.Adapters)
            {
                CheckAdapterFolder(folder, name);
                await server._queue.LoadAsync(name, Path.GetFullPath(folder));
            }
        }
        catch (ServeException e)
        {
            await server.DisposeAsync();
            throw new BadInputException($"--adapters: {e.Message}");
        }
        server.Map();
        await app.StartAsync();
        server.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return server;
    }

    /// <summary>Runs until the process is asked to stop (Ctrl+C, SIGTERM).</summary>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _queue.Dispose();
        _model.Dispose();
    }

    private void Map()
    {
        _app.Use(async (context, next) =>
        {
            try
            {
                if (_options.ApiKey is { } key && !Authorized(context.Request, key))
                    throw new ServeException(401, "AuthenticationError", "Invalid API key: send it as Authorization: Bearer <key>");
                await next(context);
            }
            catch (ServeException e)
            {
                await Error(context, e);
            }
            catch (BadInputException e)
            {
                await Error(context, ServeException.BadRequest(e.Message));
            }
        });
        _app.MapGet("/health", () => Results.Ok());
        _app.MapGet("/v1/models", context => Json(context, 200, Models));
        _app.MapPost("/v1/completions", Complete);
        if (!_options.RuntimeLoading) return;
        _app.MapPost("/v1/load_lora_adapter", async context =>
        {
            using var body = await ReadBody(context);
            var name = RequiredString(body.RootElement, "lora_name");
            var path = RequiredString(body.RootElement, "lora_path");
            if (name == _options.ModelName) throw ServeException.BadRequest($"'{name}' is the base model's name", "lora_name");
            CheckAdapterFolder(path, name);
            await _queue.LoadAsync(name, Path.GetFullPath(path));
            await Text(context, $"Success: LoRA adapter '{name}' added successfully.");
        });
        _app.MapPost("/v1/unload_lora_adapter", async context =>
        {
            using var body = await ReadBody(context);
            var name = RequiredString(body.RootElement, "lora_name");
            await _queue.UnloadAsync(name);
            await Text(context, $"Success: LoRA adapter '{name}' removed successfully.");
        });
    }

    private void Models(Utf8JsonWriter w)
    {
        w.WriteString("object", "list");
        w.WriteStartArray("data");
        void Entry(string id, string root, string? parent)
        {
            w.WriteStartObject();
            w.WriteString("id", id);
            w.WriteString("object", "model");
            w.WriteNumber("created", _created);
            w.WriteString("owned_by", "lora");
            w.WriteString("root", root);
            if (parent is null) w.WriteNull("parent");
            else w.WriteString("parent", parent);
            w.WriteNumber("max_model_len", _model.Config.MaxPositionEmbeddings);
            w.WriteEndObject();
        }
        Entry(_options.ModelName, _root, null);
        foreach (var (name, folder) in _queue.Adapters.OrderBy(a => a.Key, StringComparer.Ordinal)) Entry(name, folder, _options.ModelName);
        w.WriteEndArray();
    }

    private async Task Complete(HttpContext context)
    {
        using var body = await ReadBody(context);
        var request = body.RootElement;
        var model = RequiredString(request, "model");
        if (model != _options.ModelName && !_queue.Adapters.ContainsKey(model)) throw ServeException.UnknownModel(model);
        if (request.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True)
            throw ServeException.BadRequest("stream is not supported; send stream: false", "stream");
        if (request.TryGetProperty("n", out var n) && !(n.ValueKind == JsonValueKind.Number && n.TryGetInt32(out var count) && count == 1))
            throw ServeException.BadRequest("n must be 1", "n");
        var texts = Prompts(request);
        var maxTokens = WholeNumber(request, "max_tokens", 16);
        var limit = _model.Config.MaxPositionEmbeddings - 2;
        if (maxTokens < 1 || maxTokens > limit)
            throw ServeException.BadRequest($"max_tokens={maxTokens} is out of range: expected 1 to {limit} (the model has {_model.Config.MaxPositionEmbeddings} positions)", "max_tokens");
        var temperature = Number(request, "temperature", 1.0);
        if (temperature < 0) throw ServeException.BadRequest($"temperature={temperature}: expected >= 0", "temperature");
        var topP = Number(request, "top_p", 1.0);
        if (topP is <= 0 or > 1) throw ServeException.BadRequest($"top_p={topP}: expected a number in (0, 1]", "top_p");
        var seed = request.TryGetProperty("seed", out var s) && s.ValueKind == JsonValueKind.Number && s.TryGetInt64(out var given) ? given : 0;

        var prompts = texts.Select(t => PromptIds.Encode(_tokenizer, t, _model.Config, maxTokens).Ids).ToArray();
        var outputs = await _queue.GenerateAsync(new GenerationJob(model, prompts, maxTokens, temperature, topP, seed));
        var id = $"cmpl-{Interlocked.Increment(ref _requests)}";
        await Json(context, 200, w =>
        {
            w.WriteString("id", id);
            w.WriteString("object", "text_completion");
            w.WriteNumber("created", DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            w.WriteString("model", model);
            w.WriteStartArray("choices");
            for (var i = 0; i < outputs.Length; i++)
            {
                w.WriteStartObject();
                w.WriteNumber("index", i);
                w.WriteString("text", _tokenizer.Decode(outputs[i]));
                w.WriteNull("logprobs");
                w.WriteString("finish_reason", outputs[i].Length >= maxTokens ? "length" : "stop");
                w.WriteEndObject();
            }
            w.WriteEndArray();
            var promptTokens = prompts.Sum(p => p.Count);
            var completionTokens = outputs.Sum(o => o.Length);
            w.WriteStartObject("usage");
            w.WriteNumber("prompt_tokens", promptTokens);
            w.WriteNumber("completion_tokens", completionTokens);
            w.WriteNumber("total_tokens", promptTokens + completionTokens);
            w.WriteEndObject();
        });
    }

    private static string[] Prompts(JsonElement request)
    {
        if (!request.TryGetProperty("prompt", out var prompt)) throw ServeException.BadRequest("prompt is required", "prompt");
        if (prompt.ValueKind == JsonValueKind.String) return [prompt.GetString()!];
        if (prompt.ValueKind == JsonValueKind.Array && prompt.GetArrayLength() > 0 && prompt.EnumerateArray().All(p => p.ValueKind == JsonValueKind.String))
            return prompt.EnumerateArray().Select(p => p.GetString()!).ToArray();
        throw ServeException.BadRequest("prompt must be a string or a non-empty list of strings", "prompt");
    }

    /// <summary>A folder the server can load as a LoRA adapter: it exists and holds a PEFT LoRA config and weights.</summary>
    private static void CheckAdapterFolder(string path, string name)
    {
        if (!Directory.Exists(path))
            throw ServeException.BadRequest($"adapter '{name}': the path {path} does not exist (or is not a folder) on the server", "lora_path");
        if (!PeftAdapter.IsComplete(path))
            throw ServeException.BadRequest($"adapter '{name}': {path} is not a LoRA adapter (no adapter_config.json + adapter_model.safetensors)", "lora_path");
    }

    private static bool Authorized(HttpRequest request, string key)
    {
        var header = request.Headers.Authorization.ToString();
        const string bearer = "Bearer ";
        if (!header.StartsWith(bearer, StringComparison.Ordinal)) return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[bearer.Length..]), Encoding.UTF8.GetBytes(key));
    }

    private static async Task<JsonDocument> ReadBody(HttpContext context)
    {
        try
        {
            var document = await JsonDocument.ParseAsync(context.Request.Body);
            if (document.RootElement.ValueKind == JsonValueKind.Object) return document;
            document.Dispose();
            throw ServeException.BadRequest("the request body must be a JSON object");
        }
        catch (JsonException e)
        {
            throw ServeException.BadRequest($"malformed JSON in the request body: {e.Message}");
        }
    }

    private static string RequiredString(JsonElement request, string name) =>
        request.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString()!.Length > 0
            ? value.GetString()!
            : throw ServeException.BadRequest($"{name} is required (a non-empty string)", name);

    private static int WholeNumber(JsonElement request, string name, int missing)
    {
        if (!request.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return missing;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number))
            return (int)Math.Clamp(number, int.MinValue, int.MaxValue);
        throw ServeException.BadRequest($"{name} must be a whole number", name);
    }

    private static double Number(JsonElement request, string name, double missing)
    {
        if (!request.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return missing;
        return value.ValueKind == JsonValueKind.Number ? value.GetDouble() : throw ServeException.BadRequest($"{name} must be a number", name);
    }

    private static Task Error(HttpContext context, ServeException e)
    {
        if (context.Response.HasStarted) return Task.CompletedTask;
        return Json(context, e.Status, w =>
        {
            w.WriteStartObject("error");
            w.WriteString("message", e.Message);
            w.WriteString("type", e.Type);
            if (e.Param is null) w.WriteNull("param");
            else w.WriteString("param", e.Param);
            w.WriteNumber("code", e.Status);
            w.WriteEndObject();
        });
    }

    private static async Task Json(HttpContext context, int status, Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Relaxed))
        {
            w.WriteStartObject();
            write(w);
            w.WriteEndObject();
        }
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
    }

    private static async Task Text(HttpContext context, string text)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(text);
    }
}
