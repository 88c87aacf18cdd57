using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
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
/// <c>/v1/unload_lora_adapter</c>; <c>GET /health</c> and <c>GET /metrics</c> for operators.
/// Concurrent requests are batched (<see cref="GenerationQueue"/>). Every refusal answers with OpenAI's
/// body, <c>{"error": {"message", "type", "param", "code"}}</c>, and never with a stack trace. A
/// completion's text is the decoded continuation, untrimmed, as vLLM returns it. On SIGTERM or Ctrl+C it
/// stops taking requests (503), lets those in hand finish for <see cref="ModelServerOptions.ShutdownTimeout"/>,
/// then cancels the rest (503).
/// </summary>
internal sealed class ModelServer : IAsyncDisposable
{
    private static readonly JsonWriterOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Time after the shutdown timeout for the cancelled requests' answers to go out before Kestrel drops the connections.</summary>
    private static readonly TimeSpan AnswerGrace = TimeSpan.FromSeconds(2);

    /// <summary>How much of a body past --max-body-bytes is read and dropped before the 413, rather than the connection cut.</summary>
    private const long DrainBytes = 64L << 20;

    private readonly WebApplication _app;
    private readonly GenerationQueue _queue;
    private readonly MistralForCausalLM _model;
    private readonly Tokenizer _tokenizer;
    private readonly ModelServerOptions _options;
    private readonly TokenLimits _limits;
    private readonly ChatPrompt? _chat;
    private readonly AdapterFolders _adapterFolders;
    private readonly ServeMetrics _metrics = new();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly string _root;
    private readonly long _created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    private long _requests;

    private ModelServer(WebApplication app, MistralForCausalLM model, Tokenizer tokenizer, ModelServerOptions options, TokenLimits limits, AdapterFolders folders, ChatPrompt? chat)
    {
        _app = app;
        _model = model;
        _tokenizer = tokenizer;
        _options = options;
        _limits = limits;
        _adapterFolders = folders;
        _chat = chat;
        _root = Path.GetFullPath(options.ModelDir);
        _queue = new GenerationQueue(model, options.ModelName, options.BatchSize, options.MaxConcurrentRequests);
    }

    /// <summary>The bound address, e.g. <c>http://127.0.0.1:43117</c>.</summary>
    public string Url { get; private set; } = "";

    /// <summary>The token limits in force (the defaults come from the model).</summary>
    public TokenLimits Limits => _limits;

    /// <summary>Where the chat template came from; null when <c>/v1/chat/completions</c> has none and refuses.</summary>
    public string? ChatTemplateSource => _chat?.Source;

    /// <summary>Loads the model and the start-up adapters, binds and starts answering.</summary>
    public static async Task<ModelServer> StartAsync(ModelServerOptions options)
    {
        var address = Check(options);
        var folders = new AdapterFolders([.. options.AdapterDirs, .. options.Adapters.Select(a => a.Value)]);
        // As local Infer: a small model on one torch thread (the same bits), a large one on every core.
        torch.set_num_threads(LocalInfer.TorchThreads(options.ModelDir));
        var model = MistralCheckpoint.Load(options.ModelDir);
        TokenLimits limits;
        try
        {
            limits = TokenLimits.Of(options, model.Config.MaxPositionEmbeddings);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        var tokenizer = ModelTokenizer.FromFolder(options.ModelDir, model.Config);
        var chat = ChatPrompt.For(options.ModelDir, options.ChatTemplateFile, tokenizer, model.Config);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(address, options.Port);
            k.AddServerHeader = false;
            // RequestBody enforces --max-body-bytes; Kestrel's own, higher limit lets it read and drop the rest of
            // a refused body, so a client still sending it can read the 413, and drops the connection past that.
            k.Limits.MaxRequestBodySize = options.MaxBodyBytes + DrainBytes;
        });
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = options.ShutdownTimeout + AnswerGrace);
        var app = builder.Build();
        var server = new ModelServer(app, model, tokenizer, options, limits, folders, chat);
        try
        {
            foreach (var (name, folder) in options.Adapters) await server._queue.LoadAsync(name, folders.Resolve(name, folder));
        }
        catch (ServeException e)
        {
            await server.DisposeAsync();
            throw new BadInputException($"--adapters: {e.Message}");
        }
        server.Map();
        // From the first signal on, requests in hand have the shutdown timeout to finish; then they are cancelled.
        app.Lifetime.ApplicationStopping.Register(() => server._shutdown.CancelAfter(options.ShutdownTimeout));
        await app.StartAsync();
        server.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return server;
    }

    /// <summary>Runs until the process is asked to stop (Ctrl+C, SIGTERM) and the requests in hand are done or cancelled.</summary>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public async ValueTask DisposeAsync()
    {
        _shutdown.Cancel();
        await _app.DisposeAsync();
        _queue.Dispose();
        _model.Dispose();
        _shutdown.Dispose();
    }

    /// <summary>The options that need no model, checked before it is loaded; the address to bind.</summary>
    private static IPAddress Check(ModelServerOptions options)
    {
        if (options.BatchSize < 1) throw new BadInputException($"--batch-size={options.BatchSize}: expected a whole number >= 1");
        if (options.Port is < 0 or > 65535) throw new BadInputException($"--port={options.Port}: expected 0 to 65535 (0: any free port)");
        if (options.MaxBodyBytes < 1024) throw new BadInputException($"--max-body-bytes={options.MaxBodyBytes}: expected at least 1024");
        if (options.MaxConcurrentRequests < 1)
            throw new BadInputException($"--max-concurrent-requests={options.MaxConcurrentRequests}: expected a whole number >= 1");
        if (options.RequestTimeout < TimeSpan.Zero) throw new BadInputException($"--request-timeout={options.RequestTimeout.TotalSeconds}: expected seconds >= 0 (0: no limit)");
        if (options.ShutdownTimeout < TimeSpan.Zero) throw new BadInputException($"--shutdown-timeout={options.ShutdownTimeout.TotalSeconds}: expected seconds >= 0");
        if (!IPAddress.TryParse(options.Host == "localhost" ? "127.0.0.1" : options.Host, out var address))
            throw new BadInputException($"--host={options.Host}: expected an IP address (e.g. 127.0.0.1, or 0.0.0.0 for every interface)");
        if (!MistralCheckpoint.Exists(options.ModelDir))
            throw BadInputException.At(options.ModelDir, "no base model weights (config.json and *.safetensors)");
        return address;
    }

    private void Map()
    {
        _app.Use(Guard);
        _app.MapGet("/health", () => Results.Ok());
        _app.MapGet("/metrics", context => Text(context, _metrics.Text(_queue), "text/plain; version=0.0.4; charset=utf-8"));
        _app.MapGet("/v1/models", context => Json(context, 200, Models));
        _app.MapPost("/v1/completions", Complete);
        _app.MapPost("/v1/chat/completions", Chat);
        if (!_options.RuntimeLoading) return;
        _app.MapPost("/v1/load_lora_adapter", async context =>
        {
            using var body = await RequestBody.ReadObjectAsync(context.Request, _options.MaxBodyBytes, context.RequestAborted);
            var request = AdapterRequest.ParseLoad(body.RootElement);
            if (request.Name == _options.ModelName) throw ServeException.BadRequest($"'{request.Name}' is the base model's name", "lora_name");
            await Load(request.Name, _adapterFolders.Resolve(request.Name, request.Path!));
            await Text(context, $"Success: LoRA adapter '{request.Name}' added successfully.");
        });
        _app.MapPost("/v1/unload_lora_adapter", async context =>
        {
            using var body = await RequestBody.ReadObjectAsync(context.Request, _options.MaxBodyBytes, context.RequestAborted);
            var request = AdapterRequest.ParseUnload(body.RootElement);
            await _queue.UnloadAsync(request.Name);
            await Text(context, $"Success: LoRA adapter '{request.Name}' removed successfully.");
        });
    }

    /// <summary>
    /// Around every request: refused while shutting down or without the key; every failure becomes an
    /// OpenAI error body, and nothing the server did not foresee reaches the client beyond "internal error".
    /// </summary>
    private async Task Guard(HttpContext context, RequestDelegate next)
    {
        try
        {
            if (_app.Lifetime.ApplicationStopping.IsCancellationRequested)
            {
                context.Response.Headers.Connection = "close";
                throw ServeException.ShuttingDown("the server is shutting down and takes no new requests");
            }
            if (_options.ApiKey is { } key && !Authorized(context.Request, key))
                throw new ServeException(401, "AuthenticationError", "Invalid API key: send it as Authorization: Bearer <key>");
            await next(context);
            if (!context.Response.HasStarted && context.Response.StatusCode is 404 or 405)
                throw new ServeException(context.Response.StatusCode, context.Response.StatusCode == 404 ? "NotFoundError" : "MethodNotAllowedError",
                    $"{context.Request.Method} {Cut(context.Request.Path.Value)} is not an endpoint of this server");
        }
        catch (Exception) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client is gone: nobody to answer.
        }
        catch (ServeException e)
        {
            await Error(context, e);
        }
        catch (BadInputException e)
        {
            await Error(context, ServeException.BadRequest(e.Message));
        }
        catch (BadHttpRequestException e)
        {
            await Error(context, e.StatusCode == 413 ? RequestBody.TooLarge(_options.MaxBodyBytes) : new ServeException(e.StatusCode, "BadRequestError", e.Message));
        }
        catch (Exception e)
        {
            // One line for the operator; the client learns only that it was not its fault.
            Console.Error.WriteLine($"lora serve: {context.Request.Method} {Cut(context.Request.Path.Value)}: internal error: {e.Message}");
            await Error(context, new ServeException(500, "InternalServerError", "internal server error; the reason is in the server's log"));
        }
    }

    private async Task Load(string name, string folder)
    {
        try
        {
            await _queue.LoadAsync(name, folder);
        }
        catch (Exception e) when (e is not (ServeException or BadInputException or OperationCanceledException))
        {
            // Whatever the adapter's files hold, it is the request's adapter that failed, not the server.
            throw ServeException.BadRequest($"adapter '{name}' could not be loaded from {folder}: {e.Message}", "lora_path");
        }
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
            w.WriteNumber("max_model_len", _limits.MaxTotal);
            w.WriteEndObject();
        }
        Entry(_options.ModelName, _root, null);
        foreach (var (name, folder) in _queue.Adapters.OrderBy(a => a.Key, StringComparer.Ordinal)) Entry(name, folder, _options.ModelName);
        w.WriteEndArray();
    }

    private Task Complete(HttpContext context) => Answer(context, async cancel =>
    {
        using var body = await RequestBody.ReadObjectAsync(context.Request, _options.MaxBodyBytes, cancel);
        var request = CompletionRequest.Parse(body.RootElement);
        if (!_queue.Serves(request.Model)) throw ServeException.UnknownModel(request.Model);
        var maxTokens = CheckMaxTokens(request.MaxTokens);
        return new GenerationRequest(request.Model, Encode(request.Prompts, maxTokens), maxTokens, request.Sampling, Chat: false);
    });

    private Task Chat(HttpContext context) => Answer(context, async cancel =>
    {
        using var body = await RequestBody.ReadObjectAsync(context.Request, _options.MaxBodyBytes, cancel);
        var request = ChatRequest.Parse(body.RootElement);
        if (!_queue.Serves(request.Model)) throw ServeException.UnknownModel(request.Model);
        if (_chat is null)
            throw ServeException.BadRequest("this model has no chat template (tokenizer_config.json has no chat_template); start lora serve with --chat-template FILE, or use /v1/completions", "messages");
        var ids = _chat.Encode(request.Messages);
        // Without max_tokens the answer may fill the rest of the context, as vLLM's does.
        var maxTokens = request.MaxTokens is { } asked ? CheckMaxTokens(asked) : Math.Min(_limits.MaxNewTokens, _limits.MaxTotal - ids.Count);
        CheckLength(ids.Count, Math.Max(maxTokens, 1), "the chat's prompt", "messages");
        return new GenerationRequest(request.Model, [ids], maxTokens, request.Sampling, Chat: true);
    });

    /// <summary>
    /// Reads a request with <paramref name="read"/>, generates it (whole or streamed) and answers; the time
    /// limit counts from arrival: reading the body, waiting for the model and generating.
    /// </summary>
    private async Task Answer(HttpContext context, Func<CancellationToken, Task<GenerationRequest>> read)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _shutdown.Token);
        if (_options.RequestTimeout > TimeSpan.Zero) limit.CancelAfter(_options.RequestTimeout);
        try
        {
            var request = await read(limit.Token);
            var sampling = request.Sampling;
            // Stop sequences and streaming follow each row's text as its tokens come.
            var texts = sampling.Stop.Count > 0 || sampling.Stream
                ? request.Prompts.Select(_ => new IncrementalText(ids => _tokenizer.Decode(ids) ?? "", sampling.Stop)).ToArray()
                : null;
            var pieces = sampling.Stream ? Channel.CreateUnbounded<(int Row, string Text)>(new UnboundedChannelOptions { SingleWriter = true, SingleReader = true }) : null;
            var job = new GenerationJob(request.Model, request.Prompts, request.MaxTokens, sampling.Temperature, sampling.TopP, sampling.Seed, sampling.IgnoreEos, limit.Token)
            {
                OnToken = texts is null ? null : (row, ids) =>
                {
                    var piece = texts[row].Add(ids[^1]);
                    if (piece.Length > 0) pieces?.Writer.TryWrite((row, piece));
                    return texts[row].Stopped;
                },
            };
            var id = $"{(request.Chat ? "chatcmpl" : "cmpl")}-{Interlocked.Increment(ref _requests)}";
            var completion = new Completion(id, request.Model, request.Prompts, texts, request.MaxTokens, _tokenizer, request.Chat);
            if (pieces is not null)
            {
                await StreamAsync(context, completion, sampling.IncludeUsage, _queue.GenerateAsync(job), pieces);
                return;
            }
            var outputs = await _queue.GenerateAsync(job);
            _metrics.Completed();
            await Json(context, 200, w => completion.Write(w, outputs));
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested)
        {
            throw Stopped(context);
        }
    }

    private int CheckMaxTokens(long maxTokens) =>
        maxTokens >= 1 && maxTokens <= _limits.MaxNewTokens
            ? (int)maxTokens
            : throw ServeException.BadRequest(
                $"max_tokens={maxTokens} is out of range: expected 1 to {_limits.MaxNewTokens} (at most {_limits.MaxTotal} tokens with the prompt)", "max_tokens");

    /// <summary>The completion as events: each piece of text as it becomes final, then each row's end, the usage if asked, and [DONE].</summary>
    private async Task StreamAsync(HttpContext context, Completion completion, bool includeUsage, Task<int[][]> generation, Channel<(int Row, string Text)> pieces)
    {
        _ = generation.ContinueWith(_ => pieces.Writer.TryComplete(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        var events = new ServerSentEvents(context.Response, Relaxed);
        int[][] outputs;
        try
        {
            await foreach (var (row, text) in pieces.Reader.ReadAllAsync(CancellationToken.None))
                await events.WriteAsync(w => completion.WriteChunk(w, row, text, null));
            outputs = await generation;
        }
        catch (Exception e) when (events.Started && !context.RequestAborted.IsCancellationRequested)
        {
            // Headers are out: the failure can only be told as an event.
            var error = e is OperationCanceledException ? Stopped(context) as ServeException : e as ServeException;
            error ??= new ServeException(500, "InternalServerError", "internal server error; the reason is in the server's log");
            _metrics.Error(error.Status);
            await events.WriteAsync(w => WriteError(w, error));
            await events.DoneAsync();
            return;
        }
        _metrics.Completed();
        for (var row = 0; row < outputs.Length; row++)
        {
            if (completion.Rest(row) is { Length: > 0 } rest) await events.WriteAsync(w => completion.WriteChunk(w, row, rest, null));
            await events.WriteAsync(w => completion.WriteChunk(w, row, "", completion.FinishReason(row, outputs[row])));
        }
        if (includeUsage) await events.WriteAsync(w => completion.WriteUsageChunk(w, outputs));
        await events.DoneAsync();
    }

    /// <summary>Why a completion was cancelled, as the answer to give (none when the client left).</summary>
    private Exception Stopped(HttpContext context)
    {
        if (context.RequestAborted.IsCancellationRequested)
        {
            _metrics.Cancelled(ServeMetrics.ClientGone);
            return new OperationCanceledException(context.RequestAborted);
        }
        if (_shutdown.IsCancellationRequested)
        {
            _metrics.Cancelled(ServeMetrics.Shutdown);
            return ServeException.ShuttingDown($"the server shut down before the request was done (--shutdown-timeout={_options.ShutdownTimeout.TotalSeconds:0.###} s); it was cancelled");
        }
        _metrics.Cancelled(ServeMetrics.Timeout);
        return new ServeException(504, "TimeoutError",
            $"the request took longer than {_options.RequestTimeout.TotalSeconds:0.###} s (--request-timeout); its generation was stopped");
    }

    /// <summary>Each prompt's ids, as Infer encodes them, refused when it or it with <paramref name="maxTokens"/> passes the limits.</summary>
    private IReadOnlyList<int>[] Encode(IReadOnlyList<string> texts, int maxTokens)
    {
        if (texts.Count > _options.BatchSize)
            throw ServeException.BadRequest($"{texts.Count} prompts in one request; this server takes at most {_options.BatchSize} (--batch-size)", "prompt");
        var result = new IReadOnlyList<int>[texts.Count];
        for (var i = 0; i < texts.Count; i++)
        {
            // Infer cuts a prompt too long for the model; a server refuses it instead, as vLLM does.
            var (ids, truncated) = PromptIds.Encode(_tokenizer, texts[i], _model.Config, maxTokens);
            var count = truncated ? _tokenizer.EncodeToIds(texts[i]).Count : ids.Count;
            CheckLength(count, maxTokens, texts.Count == 1 ? "the prompt" : $"prompt {i}", "prompt");
            result[i] = ids;
        }
        return result;
    }

    /// <summary>Refuses a prompt of <paramref name="count"/> tokens past the input limit, or past the context with <paramref name="maxTokens"/> more.</summary>
    private void CheckLength(int count, int maxTokens, string which, string param)
    {
        if (count > _limits.MaxInput)
            throw ServeException.BadRequest($"{which} has {count} tokens, more than this server's limit of {_limits.MaxInput} (--max-input-tokens)", param);
        if (count + maxTokens > _limits.MaxTotal)
            throw ServeException.BadRequest($"This model's maximum context length is {_limits.MaxTotal} tokens. However, you requested {count + maxTokens} tokens " +
                                            $"({count} in {which}, {maxTokens} in the completion). Please reduce the length of the prompt or max_tokens.");
    }

    private static bool Authorized(HttpRequest request, string key)
    {
        var header = request.Headers.Authorization.ToString();
        const string bearer = "Bearer ";
        if (!header.StartsWith(bearer, StringComparison.Ordinal)) return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[bearer.Length..]), Encoding.UTF8.GetBytes(key));
    }

    /// <summary>Client text echoed in a message or the log, cut to a sane length.</summary>
    private static string Cut(string? text) => text is null ? "" : text.Length <= 200 ? text : text[..200] + "...";

    private Task Error(HttpContext context, ServeException e)
    {
        _metrics.Error(e.Status);
        if (context.Response.HasStarted) return Task.CompletedTask;
        if (e.RetryAfterSeconds is { } seconds) context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Json(context, e.Status, w => WriteError(w, e));
    }

    private static void WriteError(Utf8JsonWriter w, ServeException e)
    {
        w.WriteStartObject("error");
        w.WriteString("message", e.Message);
        w.WriteString("type", e.Type);
        if (e.Param is null) w.WriteNull("param");
        else w.WriteString("param", e.Param);
        w.WriteNumber("code", e.Status);
        w.WriteEndObject();
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

    private static async Task Text(HttpContext context, string text, string contentType = "text/plain; charset=utf-8")
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = contentType;
        await context.Response.WriteAsync(text);
    }
}
