using System.Net;
using System.Net.Sockets;
using MetaLora.Tests.Support;

namespace MetaLora.Tests.Reporting;

/// <summary>The headless-Chromium harness that the report's page tests use, on small pages written here.</summary>
public sealed class BrowserHarnessTests(HeadlessBrowser browser) : IClassFixture<HeadlessBrowser>, IDisposable
{
    // A 1x1 red PNG: an image embedded as a data: URL, as a self-contained page carries its figures.
    private const string RedPixel =
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";

    private readonly TempDir _dir = new();

    private Task<HeadlessPage> Open(string body) =>
        browser.OpenAsync(_dir.Write($"{Guid.NewGuid():N}.html", $"<!doctype html><html><head><meta charset=\"utf-8\"></head><body>{body}</body></html>"));

    [BrowserFact]
    public async Task A_self_contained_page_is_clean()
    {
        await using var page = await Open($"""
            <p id="p">hello</p><img id="img" src="data:image/png;base64,{RedPixel}">
            <script>console.log("only a log"); document.getElementById("p").dataset.ran = "yes";</script>
            """);
        Assert.Equal("yes", await page.EvaluateAsync<string>("document.getElementById('p').dataset.ran"));
        Assert.Equal(1, await page.EvaluateAsync<int>("document.getElementById('img').naturalWidth"));
        page.AssertClean();
        Assert.Empty(page.Dialogs);
    }

    [BrowserFact]
    public async Task A_script_error_is_reported()
    {
        await using var page = await Open("<script>notDefinedAnywhere();</script><p>after</p>");
        var error = Assert.Single(page.PageErrors);
        Assert.Contains("notDefinedAnywhere", error);
        var failure = Assert.ThrowsAny<Xunit.Sdk.XunitException>(page.AssertClean);
        Assert.Contains("notDefinedAnywhere", failure.Message);
    }

    [BrowserFact]
    public async Task An_unhandled_rejection_is_reported()
    {
        await using var page = await Open("<script>Promise.reject(new Error('rejected on purpose'));</script>");
        await page.WaitForAsync("true");
        Assert.Contains(page.PageErrors, e => e.Contains("rejected on purpose"));
    }

    [BrowserFact]
    public async Task Requests_outside_the_page_are_recorded_and_fail()
    {
        // A server on this machine that the page names by address (no name to resolve): only the
        // harness's route stands between the page and it, and it must see no connection.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var local = $"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
            _dir.WriteBytes("sibling.png", Convert.FromBase64String(RedPixel));
            await using var page = await Open($$"""
                <img id="remote" src="http://example.com/x.png"><img id="sibling" src="sibling.png">
                <img id="local" src="http://{{local}}/x.png">
                <script>
                  window.outcome = {};
                  fetch('https://example.org').then(r => outcome.fetch = 'answered ' + r.status, () => outcome.fetch = 'failed');
                  const ws = new WebSocket('ws://{{local}}/socket');
                  ws.onclose = () => outcome.ws = 'closed';
                </script>
                """);
            await page.WaitForAsync("outcome.fetch && outcome.ws && [...document.images].every(i => i.complete)");
            Assert.Equal("failed", await page.EvaluateAsync<string>("outcome.fetch"));
            // Even the page's own folder is out of bounds: the page must carry everything it shows.
            Assert.Equal(new[] { 0, 0, 0 }, await page.EvaluateAsync<int[]>("[...document.images].map(i => i.naturalWidth)"));
            Assert.Contains("http://example.com/x.png", page.Requests);
            Assert.Contains("https://example.org/", page.Requests);
            Assert.Contains(page.Requests, r => r.StartsWith("file://", StringComparison.Ordinal) && r.EndsWith("/sibling.png", StringComparison.Ordinal));
            Assert.Contains($"http://{local}/x.png", page.Requests);
            Assert.Contains($"ws://{local}/socket", page.Requests);
            Assert.False(listener.Pending(), "a connection reached the local server");
            Assert.ThrowsAny<Xunit.Sdk.XunitException>(page.AssertClean);
        }
        finally { listener.Stop(); }
    }

    [BrowserFact]
    public async Task A_click_a_typed_filter_and_a_dialog_are_seen()
    {
        await using var page = await Open("""
            <button id="go" onclick="document.getElementById('out').textContent = 'clicked ' + (++window.n)">go</button>
            <span id="out">not yet</span>
            <input id="filter" oninput="document.getElementById('echo').textContent = this.value.toUpperCase()"><span id="echo"></span>
            <button id="ask" onclick="window.answer = confirm('sure?')">ask</button>
            <script>window.n = 0;</script>
            """);
        Assert.Equal("not yet", await page.EvaluateAsync<string>("document.getElementById('out').textContent"));
        await page.ClickAsync("#go");
        await page.ClickAsync("#go");
        Assert.Equal("clicked 2", await page.EvaluateAsync<string>("document.getElementById('out').textContent"));
        await page.TypeAsync("#filter", "kl base");
        Assert.Equal("KL BASE", await page.EvaluateAsync<string>("document.getElementById('echo').textContent"));
        await page.ClickAsync("#ask");
        await page.WaitForAsync("window.answer !== undefined");
        Assert.False(await page.EvaluateAsync<bool>("window.answer"));
        Assert.Equal(["confirm: sure?"], page.Dialogs);
        page.AssertClean();
    }

    [BrowserFact]
    public async Task Evaluate_returns_json_values()
    {
        await using var page = await Open("<table><tr><td data-value='0.5'>a</td><td data-value='0.25'>b</td></tr></table>");
        var values = await page.EvaluateAsync<double[]>("[...document.querySelectorAll('td')].map(td => Number(td.dataset.value))");
        Assert.Equal([0.5, 0.25], values);
        var row = await page.EvaluateAsync<Dictionary<string, string>>("({ first: 'a', second: 'b' })");
        Assert.Equal("b", row["second"]);
    }

    [BrowserFact]
    public async Task A_wait_that_never_comes_true_fails_saying_what()
    {
        await using var page = await Open("<p>static</p>");
        var e = await Assert.ThrowsAsync<TimeoutException>(() => page.WaitForAsync("window.never === 1", timeoutMs: 300));
        Assert.Contains("window.never === 1", e.Message);
    }

    [BrowserFact]
    public async Task A_blank_page_screenshots_blank_and_a_coloured_one_does_not()
    {
        await using var blank = await Open("");
        var empty = Screenshot.Measure(await blank.ScreenshotAsync());
        Assert.True(empty.IsBlank, $"{empty}");
        Assert.Equal(1280, empty.Width);

        await using var coloured = await Open("""
            <div style="width:200px;height:100px;background:#c33"></div><h1>Rouge-L</h1>
            <div style="height:1500px"></div><div style="width:50px;height:50px;background:#36c"></div>
            """);
        var shot = Screenshot.Measure(await coloured.ScreenshotAsync());
        Assert.False(shot.IsBlank, $"{shot}");
        // The red box alone, and the blue one below the viewport: the screenshot is of the full page.
        Assert.True(shot.InkPixels >= 200 * 100 + 50 * 50, $"{shot}");
        Assert.True(shot.Height > 1500, $"{shot}");
        Assert.True(shot.DistinctColours >= 3, $"{shot}");
    }

    [BrowserFact]
    public async Task Console_errors_are_recorded_and_logs_are_not()
    {
        await using var page = await Open("<script>console.log('fine'); console.warn('careful'); console.error('boom', 42);</script>");
        Assert.Equal(["boom 42"], page.ConsoleErrors);
        Assert.Empty(page.PageErrors);
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(page.AssertClean);
    }

    [BrowserFact]
    public async Task A_page_can_open_in_a_browser_of_its_own()
    {
        await using var page = await HeadlessPage.OpenAsync(_dir.Write("own.html", "<p id='p'>own</p>"));
        Assert.Equal("own", await page.EvaluateAsync<string>("document.getElementById('p').textContent"));
        page.AssertClean();
    }

    public void Dispose() => _dir.Dispose();
}
