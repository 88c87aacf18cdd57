using Microsoft.Playwright;

namespace MetaLora.Tests.Support;

/// <summary>
/// An HTML file opened in headless Chromium with every request other than the file itself aborted,
/// recording what the page did that a self-contained page must not: requests it attempted, console
/// errors, uncaught exceptions, and dialogs (dismissed). <see cref="AssertClean"/> checks the first
/// three are empty.
/// </summary>
public sealed class HeadlessPage : IAsyncDisposable
{
    /// <summary>How long a click, a type or a wait may take before the test fails.</summary>
    public const float TimeoutMs = 10_000;

    private readonly IBrowserContext _context;
    private readonly List<string> _requests = [];
    private readonly List<string> _consoleErrors = [];
    private readonly List<string> _pageErrors = [];
    private readonly List<string> _dialogs = [];
    private IAsyncDisposable? _ownBrowser;

    private HeadlessPage(IBrowserContext context, IPage page, string url)
    {
        _context = context;
        Page = page;
        Url = url;
    }

    /// <summary>The Playwright page, for what this class does not offer.</summary>
    public IPage Page { get; }

    /// <summary>The file:// URL of the opened file.</summary>
    public string Url { get; }

    /// <summary>Every URL the page asked for other than its own (data: and blob: URLs are not requests), in order.</summary>
    public IReadOnlyList<string> Requests => Snapshot(_requests);

    /// <summary>The text of every console message of type error, in order.</summary>
    public IReadOnlyList<string> ConsoleErrors => Snapshot(_consoleErrors);

    /// <summary>Every uncaught exception or unhandled rejection, as "Name: message".</summary>
    public IReadOnlyList<string> PageErrors => Snapshot(_pageErrors);

    /// <summary>Every alert, confirm, prompt or beforeunload, as "type: message"; each was dismissed.</summary>
    public IReadOnlyList<string> Dialogs => Snapshot(_dialogs);

    /// <summary>Opens <paramref name="path"/> in a browser of its own, closed with the page (a shared <see cref="HeadlessBrowser"/> is faster).</summary>
    public static async Task<HeadlessPage> OpenAsync(string path)
    {
        var browser = await HeadlessBrowser.LaunchAsync();
        try
        {
            var page = await browser.OpenAsync(path);
            page._ownBrowser = browser;
            return page;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    internal static async Task<HeadlessPage> OpenInAsync(IBrowser browser, string path)
    {
        var url = new Uri(Path.GetFullPath(path)).AbsoluteUri;
        var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 800 } });
        try
        {
            var page = await context.NewPageAsync();
            var opened = new HeadlessPage(context, page, url);
            await opened.WatchAsync();
            await page.GotoAsync(url, new() { WaitUntil = WaitUntilState.Load, Timeout = TimeoutMs * 3 });
            return opened;
        }
        catch
        {
            await context.CloseAsync();
            throw;
        }
    }

    private async Task WatchAsync()
    {
        _context.Request += (_, request) =>
        {
            if (!IsOwn(request.Url)) Add(_requests, request.Url);
        };
        // Aborted, not answered: a page that needs anything from outside its file must fail to get it.
        await _context.RouteAsync("**/*", route => IsOwn(route.Request.Url) ? route.ContinueAsync() : route.AbortAsync("blockedbyclient"));
        // WebSockets bypass the route above; this one never connects them to a server, and closes them.
        await _context.RouteWebSocketAsync("**/*", async ws =>
        {
            Add(_requests, ws.Url);
            await ws.CloseAsync();
        });
        Page.Console += (_, message) =>
        {
            if (message.Type == "error") Add(_consoleErrors, message.Text);
        };
        Page.PageError += (_, error) => Add(_pageErrors, error);
        Page.Dialog += async (_, dialog) =>
        {
            Add(_dialogs, $"{dialog.Type}: {dialog.Message}");
            // An event handler: a throw here (the page already closing) would end the test process.
            try { await dialog.DismissAsync(); }
            catch (PlaywrightException) { }
        };
    }

    private bool IsOwn(string url) =>
        url == Url || url.StartsWith("data:", StringComparison.Ordinal) || url.StartsWith("blob:", StringComparison.Ordinal);

    /// <summary>Evaluates a JavaScript expression or function in the page; the result comes back through JSON.</summary>
    public Task<T> EvaluateAsync<T>(string expression, object? arg = null) => Page.EvaluateAsync<T>(expression, arg);

    /// <summary>Clicks the one element that <paramref name="selector"/> matches (more than one fails the test).</summary>
    public Task ClickAsync(string selector) => Page.Locator(selector).ClickAsync(new() { Timeout = TimeoutMs });

    /// <summary>Clears the input that <paramref name="selector"/> matches and types <paramref name="text"/> key by key (input and key events fire).</summary>
    public async Task TypeAsync(string selector, string text)
    {
        var input = Page.Locator(selector);
        await input.FillAsync("", new() { Timeout = TimeoutMs });
        await input.PressSequentiallyAsync(text, new() { Timeout = TimeoutMs });
    }

    /// <summary>Waits until the JavaScript expression <paramref name="condition"/> is truthy.</summary>
    public async Task WaitForAsync(string condition, float timeoutMs = TimeoutMs)
    {
        try { await Page.WaitForFunctionAsync(condition, null, new() { Timeout = timeoutMs }); }
        catch (TimeoutException) { throw new TimeoutException($"not true after {timeoutMs} ms: {condition}"); }
    }

    /// <summary>A PNG of the whole page (beyond the viewport); also written to <paramref name="savePath"/> when given, to look at.</summary>
    public Task<byte[]> ScreenshotAsync(string? savePath = null) =>
        Page.ScreenshotAsync(new() { FullPage = true, Type = ScreenshotType.Png, Path = savePath });

    /// <summary>Fails unless the page attempted no request, logged no console error and threw no uncaught exception.</summary>
    public void AssertClean()
    {
        var problems = Requests.Select(r => $"request: {r}")
            .Concat(ConsoleErrors.Select(e => $"console error: {e}"))
            .Concat(PageErrors.Select(e => $"page error: {e}"))
            .ToList();
        Assert.True(problems.Count == 0, $"{Url}:\n{string.Join('\n', problems)}");
    }

    public async ValueTask DisposeAsync()
    {
        await _context.CloseAsync();
        if (_ownBrowser is not null) await _ownBrowser.DisposeAsync();
    }

    private static void Add(List<string> list, string item)
    {
        lock (list) list.Add(item);
    }

    private static string[] Snapshot(List<string> list)
    {
        lock (list) return [.. list];
    }
}
