using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MetaLora.Tests.Support;

/// <summary>
/// A real HTTP server on 127.0.0.1 in front of another: it forwards every request, except that the
/// completions requests numbered in the fault plan get a 500, a dropped connection, or a 429 with
/// Retry-After instead (before reaching the server), or reach it after it was told to unload the
/// request's adapter.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _forward = new();
    private readonly IReadOnlyDictionary<int, Fault> _plan;
    private int _completions;
    private string? _forgotten;

    public enum Fault
    {
        ServerError,
        DropConnection,
        TooManyRequests,

        /// <summary>The server forgets the request's adapter first (as a restarted server does), then answers.</summary>
        ForgetAdapter,
    }

    /// <summary>Faults injected, in order.</summary>
    public ConcurrentQueue<Fault> Injected { get; } = new();

    public string Url { get; }

    public int Completions => _completions;

    private FaultProxy(WebApplication app, string target, IReadOnlyDictionary<int, Fault> plan)
    {
        _app = app;
        _plan = plan;
        app.Run(async context =>
        {
            if (context.Request.Path == "/v1/completions" && _plan.TryGetValue(Interlocked.Increment(ref _completions), out var fault))
            {
                Injected.Enqueue(fault);
                switch (fault)
                {
                    case Fault.ServerError:
                        context.Response.StatusCode = 500;
                        await context.Response.WriteAsync("{\"error\": {\"message\": \"injected\", \"type\": \"InternalServerError\", \"code\": 500}}");
                        return;
                    case Fault.DropConnection:
                        context.Abort();
                        return;
                    case Fault.ForgetAdapter:
                        break;
                    case Fault.TooManyRequests:
                        context.Response.StatusCode = 429;
                        context.Response.Headers.RetryAfter = "1";
                        await context.Response.WriteAsync("{\"error\": {\"message\": \"slow down\", \"type\": \"RateLimitError\", \"code\": 429}}");
                        return;
                }
            }
            using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), target + context.Request.Path + context.Request.QueryString);
            if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
            {
                using var body = new MemoryStream();
                await context.Request.Body.CopyToAsync(body);
                request.Content = new ByteArrayContent(body.ToArray());
                request.Content.Headers.TryAddWithoutValidation("Content-Type", context.Request.ContentType);
                if (Injected.LastOrDefault() == Fault.ForgetAdapter && _forgotten is null)
                {
                    using var json = System.Text.Json.JsonDocument.Parse(body.ToArray());
                    _forgotten = json.RootElement.GetProperty("model").GetString();
                    using var unload = await _forward.PostAsync(target + "/v1/unload_lora_adapter",
                        new StringContent(System.Text.Json.JsonSerializer.Serialize(new { lora_name = _forgotten }), System.Text.Encoding.UTF8, "application/json"));
                    if (unload.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"could not unload {_forgotten}: {unload.StatusCode}");
                }
            }
            if (context.Request.Headers.Authorization.Count > 0)
                request.Headers.TryAddWithoutValidation("Authorization", context.Request.Headers.Authorization.ToString());
            using var response = await _forward.SendAsync(request);
            context.Response.StatusCode = (int)response.StatusCode;
            if (response.Content.Headers.ContentType is { } type) context.Response.ContentType = type.ToString();
            await response.Content.CopyToAsync(context.Response.Body);
        });
        app.StartAsync().GetAwaiter().GetResult();
        Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    /// <summary>Starts a proxy to <paramref name="target"/> on a free port of 127.0.0.1.</summary>
    public static FaultProxy Start(string target, IReadOnlyDictionary<int, Fault> plan)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        return new FaultProxy(builder.Build(), target, plan);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _forward.Dispose();
    }
}
