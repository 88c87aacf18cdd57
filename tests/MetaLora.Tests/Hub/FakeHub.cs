using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace MetaLora.Tests.Hub;

/// <summary>
/// A real HTTP server on 127.0.0.1 that answers the Hugging Face Hub's URL shapes from in-memory
/// files: the revision and tree APIs (the tree in pages, with Link headers) and resolve URLs (with
/// Range; LFS files redirect to a "CDN" path, as the Hub does). Faults can be injected per file.
/// </summary>
internal sealed class FakeHub : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Dictionary<string, Repo> _repos = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Fault>> _faults = new(StringComparer.Ordinal);
    private readonly Task _loop;

    public sealed record Request(string Path, string? Range, string? Authorization);

    private sealed record Repo(string Collection, string Id, string Commit, Dictionary<string, byte[]> Files, bool Gated);

    private abstract record Fault;
    private sealed record StatusFault(int Status) : Fault;
    private sealed record DropFault(int AfterBytes) : Fault;
    private sealed record CorruptFault : Fault;
    private sealed record StallFault(TimeSpan For) : Fault;

    public FakeHub()
    {
        var port = FreePort();
        Endpoint = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Endpoint + "/");
        _listener.Start();
        _loop = Task.Run(AcceptLoop);
    }

    public string Endpoint { get; }

    /// <summary>The token a gated repo accepts; without one it answers 401, with another 403.</summary>
    public string AcceptedToken { get; set; } = "hf_test_Secret_7f3a9c";

    /// <summary>Tree entries per page (the Hub pages long listings).</summary>
    public int TreePageSize { get; set; } = 1000;

    public ConcurrentQueue<Request> Requests { get; } = new();

    public void AddModel(string id, string commit, Dictionary<string, byte[]> files, bool gated = false) =>
        _repos[$"models/{id}"] = new Repo("models", id, commit, files, gated);

    public void AddDataset(string id, string commit, Dictionary<string, byte[]> files) =>
        _repos[$"datasets/{id}"] = new Repo("datasets", id, commit, files, false);

    /// <summary>The next <paramref name="times"/> downloads of <paramref name="path"/> answer <paramref name="status"/>.</summary>
    public void FailNext(string path, int status, int times = 1)
    {
        for (var i = 0; i < times; i++) Queue(path).Enqueue(new StatusFault(status));
    }

    /// <summary>The next download of <paramref name="path"/> sends <paramref name="bytes"/> bytes and drops the connection.</summary>
    public void DropNext(string path, int bytes) => Queue(path).Enqueue(new DropFault(bytes));

    /// <summary>The next download of <paramref name="path"/> sends headers and then nothing for <paramref name="time"/>.</summary>
    public void StallNext(string path, TimeSpan time) => Queue(path).Enqueue(new StallFault(time));

    /// <summary>The next download of <paramref name="path"/> sends other bytes of the same length.</summary>
    public void CorruptNext(string path) => Queue(path).Enqueue(new CorruptFault());

    public static bool IsLfs(string path) =>
        path.EndsWith(".safetensors", StringComparison.Ordinal) || path.EndsWith(".parquet", StringComparison.Ordinal)
        || path.EndsWith(".model", StringComparison.Ordinal) || path.EndsWith(".bin", StringComparison.Ordinal);

    public static string Sha256(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    public static string GitOid(byte[] content) =>
        Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {content.Length}\0"), .. content]));

    private ConcurrentQueue<Fault> Queue(string path) => _faults.GetOrAdd(path, _ => new ConcurrentQueue<Fault>());

    private async Task AcceptLoop()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            _ = Task.Run(() => Handle(context));
        }
    }

    private async Task Handle(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var path = Uri.UnescapeDataString(request.Url!.AbsolutePath);
        Requests.Enqueue(new Request(request.Url.PathAndQuery, request.Headers["Range"], request.Headers["Authorization"]));
        try
        {
            await Route(path, request, response);
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The client went away (or a fault aborted the answer).
        }
    }

    private async Task Route(string path, HttpListenerRequest request, HttpListenerResponse response)
    {
        if (path.StartsWith("/cdn/", StringComparison.Ordinal))
        {
            // Signed CDN URL: /cdn/<collection>/<owner>/<name>/<file path>
            var rest = path["/cdn/".Length..].Split('/', 4);
            await ServeFile(_repos[$"{rest[0]}/{rest[1]}/{rest[2]}"], rest[3], request, response);
            return;
        }
        if (path.StartsWith("/api/", StringComparison.Ordinal))
        {
            var parts = path["/api/".Length..].Split('/', 6); // collection, owner, name, verb, revision[, rest]
            if (parts.Length < 5 || !_repos.TryGetValue($"{parts[0]}/{parts[1]}/{parts[2]}", out var repo))
            {
                Error(response, 404, "RepoNotFound");
                return;
            }
            if (!Authorized(repo, request, response)) return;
            if (parts[4] != repo.Commit && parts[4] != "main") { Error(response, 404, "RevisionNotFound"); return; }
            if (parts[3] == "revision")
                await Json(response, new { id = repo.Id, sha = repo.Commit, siblings = repo.Files.Keys.Select(k => new { rfilename = k }) });
            else if (parts[3] == "tree")
                await Tree(repo, request, response);
            else
                Error(response, 404, null);
            return;
        }

        // /{owner}/{name}/resolve/{rev}/{file} or /datasets/{owner}/{name}/resolve/{rev}/{file}
        var collection = path.StartsWith("/datasets/", StringComparison.Ordinal) ? "datasets" : "models";
        var segments = (collection == "datasets" ? path["/datasets/".Length..] : path[1..]).Split('/', 5);
        if (segments.Length < 5 || segments[2] != "resolve" || !_repos.TryGetValue($"{collection}/{segments[0]}/{segments[1]}", out var r))
        {
            Error(response, 404, "RepoNotFound");
            return;
        }
        if (!Authorized(r, request, response)) return;
        if (segments[3] != r.Commit) { Error(response, 404, "RevisionNotFound"); return; }
        var file = segments[4];
        if (!r.Files.ContainsKey(file)) { Error(response, 404, "EntryNotFound"); return; }
        if (IsLfs(file))
        {
            response.StatusCode = 302;
            response.RedirectLocation = $"{Endpoint}/cdn/{collection}/{r.Id}/{file}";
            response.Close();
            return;
        }
        await ServeFile(r, file, request, response);
    }

    private bool Authorized(Repo repo, HttpListenerRequest request, HttpListenerResponse response)
    {
        if (!repo.Gated) return true;
        var auth = request.Headers["Authorization"];
        if (auth is null) { Error(response, 401, "GatedRepo"); return false; }
        if (auth != "Bearer " + AcceptedToken) { Error(response, 403, "GatedRepo"); return false; }
        return true;
    }

    private async Task Tree(Repo repo, HttpListenerRequest request, HttpListenerResponse response)
    {
        var entries = new List<object>();
        foreach (var dir in repo.Files.Keys.Where(k => k.Contains('/')).Select(k => k[..k.LastIndexOf('/')]).Distinct())
            entries.Add(new { type = "directory", oid = new string('0', 40), size = 0, path = dir });
        foreach (var (name, content) in repo.Files.OrderBy(f => f.Key, StringComparer.Ordinal))
            entries.Add(IsLfs(name)
                ? new { type = "file", oid = GitOid(Encoding.ASCII.GetBytes("pointer " + name)), size = 134, path = name, lfs = new { oid = Sha256(content), size = (long)content.Length, pointerSize = 134 } }
                : new { type = "file", oid = GitOid(content), size = content.Length, path = name });
        var start = int.TryParse(request.QueryString["cursor"], out var c) ? c : 0;
        var page = entries.Skip(start).Take(TreePageSize).ToList();
        if (start + TreePageSize < entries.Count)
            response.AddHeader("Link", $"<{Endpoint}{request.Url!.AbsolutePath}?recursive=true&cursor={start + TreePageSize}>; rel=\"next\"");
        await Json(response, page);
    }

    private async Task ServeFile(Repo repo, string file, HttpListenerRequest request, HttpListenerResponse response)
    {
        var content = repo.Files[file];
        Fault? fault = null;
        if (_faults.TryGetValue(file, out var queue)) queue.TryDequeue(out fault);
        if (fault is StatusFault status) { Error(response, status.Status, null); return; }
        if (fault is CorruptFault) content = content.Select(b => (byte)(b ^ 0x5A)).ToArray();

        long from = 0;
        var range = request.Headers["Range"];
        if (range is not null && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            from = long.Parse(range["bytes=".Length..^1]);
            response.StatusCode = 206;
            response.AddHeader("Content-Range", $"bytes {from}-{content.Length - 1}/{content.Length}");
        }
        var body = content.AsMemory((int)from);
        response.ContentLength64 = body.Length;
        if (fault is StallFault stall)
        {
            await response.OutputStream.FlushAsync();
            await Task.Delay(stall.For);
            response.Abort();
            return;
        }
        if (fault is DropFault drop)
        {
            await response.OutputStream.WriteAsync(body[..Math.Min(drop.AfterBytes, body.Length)]);
            await response.OutputStream.FlushAsync();
            response.Abort();
            return;
        }
        await response.OutputStream.WriteAsync(body);
        response.Close();
    }

    private static async Task Json(HttpListenerResponse response, object value)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value);
        response.ContentType = "application/json";
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
        response.Close();
    }

    private static void Error(HttpListenerResponse response, int status, string? code)
    {
        response.StatusCode = status;
        if (code is not null) response.AddHeader("X-Error-Code", code);
        response.ContentLength64 = 0;
        response.Close();
    }

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    public void Dispose()
    {
        // Closing while a client (or an aborted fault) still has a connection open can throw from
        // the listener's own clean-up; the server is going away either way.
        try { _listener.Close(); }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException or IOException) { }
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }
}
