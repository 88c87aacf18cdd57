using System.Net.Http.Headers;
using System.Text.Json;
using MetaLora.IO.Http;

namespace MetaLora.Hub;

/// <summary>
/// The Hugging Face Hub over plain HTTP, with the Hub's public URL shapes:
/// <c>{endpoint}/api/{models|datasets}/{repo}/revision/{rev}</c> (the commit a revision points to),
/// <c>{endpoint}/api/{models|datasets}/{repo}/tree/{commit}?recursive=true</c> (files, sizes, LFS sha256)
/// and <c>{endpoint}/[datasets/]{repo}/resolve/{commit}/{path}</c> (the bytes).
/// </summary>
/// <remarks>
/// The token goes only to the endpoint's own host, in an Authorization header. Large files answer
/// with a redirect to a CDN; HttpClient drops the Authorization header when it follows a redirect,
/// so the token never travels there (the CDN URL is signed).
/// </remarks>
internal sealed class HubClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly string _endpoint;

    public HubClient(HubSettings settings, HttpMessageHandler? handler = null, Action<string>? log = null)
    {
        Settings = settings;
        _endpoint = settings.Endpoint.AbsoluteUri.TrimEnd('/');
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        // Body reads have their own idle timeout (see the downloader); this bounds waiting for headers.
        _http.Timeout = Timeout.InfiniteTimeSpan;
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("metalora", "1.0"));
        Retry = new HttpRetry(settings.MaxRetries, settings.BaseDelay, settings.MaxDelay, log is null ? null : line => log(Redact(line)));
    }

    public HubSettings Settings { get; }

    internal HttpRetry Retry { get; }

    /// <summary>Text for the user with the token (if any) scrubbed out.</summary>
    public string Redact(string text) => Settings.Token?.Redact(text) ?? text;

    /// <summary>The URL of a file's bytes at a commit.</summary>
    public Uri FileUrl(HubRepo repo, string commit, string path) =>
        new($"{_endpoint}/{repo.ResolvePrefix}/resolve/{Uri.EscapeDataString(commit)}/{EscapePath(path)}");

    /// <summary>The commit sha that <paramref name="revision"/> (a branch, tag or sha) of <paramref name="repo"/> points to.</summary>
    public Task<string> ResolveCommitAsync(HubRepo repo, string revision, CancellationToken ct = default)
    {
        var url = new Uri($"{_endpoint}/api/{repo.ApiCollection}/{repo.EscapedId}/revision/{Uri.EscapeDataString(revision)}");
        return Retry.ExecuteAsync(async token =>
        {
            using var doc = await GetJsonAsync(url, repo, token);
            if (doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("sha", out var sha) && sha.ValueKind == JsonValueKind.String
                && IsCommitSha(sha.GetString()!))
                return sha.GetString()!;
            throw BadInputException.At(url.AbsoluteUri, "the answer has no commit \"sha\"");
        }, ct);
    }

    /// <summary>Every file of <paramref name="repo"/> at <paramref name="commit"/>, following the tree API's pages.</summary>
    public async Task<IReadOnlyList<HubFile>> ListFilesAsync(HubRepo repo, string commit, CancellationToken ct = default)
    {
        var files = new List<HubFile>();
        Uri? url = new($"{_endpoint}/api/{repo.ApiCollection}/{repo.EscapedId}/tree/{Uri.EscapeDataString(commit)}?recursive=true");
        while (url is not null)
        {
            var page = url;
            url = await Retry.ExecuteAsync(async token =>
            {
                using var response = await SendAsync(page, repo, from: null, token);
                await using var body = await response.Content.ReadAsStreamAsync(token);
                using var doc = await ParseAsync(body, page, token);
                files.AddRange(TreeEntries(doc.RootElement, page));
                return NextPage(response, page);
            }, ct);
        }
        return files;
    }

    /// <summary>
    /// Starts a GET of a file's bytes (from byte <paramref name="from"/> when resuming). The caller
    /// reads the body; the status is checked, transient failures throw <see cref="TransientHttpException"/>.
    /// </summary>
    public Task<HttpResponseMessage> GetFileAsync(Uri url, HubRepo repo, long? from, CancellationToken ct) =>
        SendAsync(url, repo, from, ct);

    public void Dispose() => _http.Dispose();

    private async Task<JsonDocument> GetJsonAsync(Uri url, HubRepo repo, CancellationToken ct)
    {
        using var response = await SendAsync(url, repo, from: null, ct);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        return await ParseAsync(body, url, ct);
    }

    private static async Task<JsonDocument> ParseAsync(Stream body, Uri url, CancellationToken ct)
    {
        try
        {
            return await JsonDocument.ParseAsync(body, cancellationToken: ct);
        }
        catch (JsonException e)
        {
            throw BadInputException.At(url.AbsoluteUri, $"the Hub's answer is not valid JSON ({e.Message})");
        }
        catch (IOException e)
        {
            throw new TransientHttpException($"{url.AbsoluteUri}: connection dropped ({e.Message})", inner: e);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(Uri url, HubRepo repo, long? from, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        // Only the endpoint's own host gets the token (a pagination link could point elsewhere).
        if (Settings.Token is { } token && url.AbsoluteUri.StartsWith(_endpoint + "/", StringComparison.OrdinalIgnoreCase))
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Value);
        if (from is > 0) request.Headers.Range = new RangeHeaderValue(from, null);

        HttpResponseMessage response;
        // A server that accepts the connection but never answers is as good as a dropped connection.
        using (var waiting = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            waiting.CancelAfter(Settings.ReadTimeout);
            try
            {
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, waiting.Token);
            }
            catch (HttpRequestException e)
            {
                throw new TransientHttpException($"{url.AbsoluteUri}: {Redact(e.Message)}", inner: e);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TransientHttpException($"{url.AbsoluteUri}: no answer for {Settings.ReadTimeout.TotalSeconds:0} s");
            }
        }
        try
        {
            HubErrors.Check(response, repo, url.AbsoluteUri, Settings.Token is not null);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private static IEnumerable<HubFile> TreeEntries(JsonElement root, Uri url)
    {
        if (root.ValueKind != JsonValueKind.Array) throw BadInputException.At(url.AbsoluteUri, "expected a list of tree entries");
        foreach (var entry in root.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Object) continue;
            if (Text(entry, "type") != "file") continue; // directories are listed too, recursively expanded
            var path = Text(entry, "path") ?? throw BadInputException.At(url.AbsoluteUri, "a tree entry has no \"path\"");
            if (!SafeRelativePath(path)) throw BadInputException.At(url.AbsoluteUri, $"unsafe file path \"{path}\"");
            var size = entry.TryGetProperty("size", out var s) && s.TryGetInt64(out var n) ? n : -1;
            string? sha256 = null;
            if (entry.TryGetProperty("lfs", out var lfs) && lfs.ValueKind == JsonValueKind.Object)
            {
                sha256 = Text(lfs, "oid") ?? Text(lfs, "sha256");
                if (lfs.TryGetProperty("size", out var ls) && ls.TryGetInt64(out var lfsSize)) size = lfsSize;
            }
            var oid = Text(entry, "oid");
            if (size < 0 || (sha256 is null && oid is null))
                throw BadInputException.At(url.AbsoluteUri, $"tree entry \"{path}\" has no size or object id");
            yield return new HubFile(path, size, sha256?.ToLowerInvariant(), oid?.ToLowerInvariant());
        }
    }

    /// <summary>The tree API pages with an RFC 8288 <c>Link: &lt;url&gt;; rel="next"</c> header.</summary>
    private static Uri? NextPage(HttpResponseMessage response, Uri current)
    {
        if (!response.Headers.TryGetValues("Link", out var links)) return null;
        foreach (var link in links.SelectMany(l => l.Split(',')))
        {
            var parts = link.Split(';', StringSplitOptions.TrimEntries);
            if (parts.Length < 2 || !parts[0].StartsWith('<') || !parts[0].EndsWith('>')) continue;
            if (!parts.Skip(1).Any(p => p.Replace(" ", "") is "rel=\"next\"" or "rel=next")) continue;
            return new Uri(current, parts[0][1..^1]);
        }
        return null;
    }

    private static string? Text(JsonElement obj, string key) =>
        obj.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string EscapePath(string path) => string.Join('/', path.Split('/').Select(Uri.EscapeDataString));

    private static bool IsCommitSha(string text) => text.Length == 40 && text.All(Uri.IsHexDigit);

    /// <summary>A relative path that stays inside the folder it is written to.</summary>
    internal static bool SafeRelativePath(string path) =>
        path.Length > 0 && !path.StartsWith('/') && !path.Contains('\\') && !path.Contains(':')
        && path.Split('/').All(p => p.Length > 0 && p is not "." and not "..");
}
