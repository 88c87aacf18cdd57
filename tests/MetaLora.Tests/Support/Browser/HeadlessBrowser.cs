using Microsoft.Playwright;

namespace MetaLora.Tests.Support;

/// <summary>
/// One headless Chromium, launched on the first <see cref="OpenAsync"/>, with a fresh context per
/// page. A launch costs far more than a page, so a test class shares one as its class fixture
/// (<c>IClassFixture&lt;HeadlessBrowser&gt;</c>); launching lazily keeps a class whose tests are all
/// skipped from starting anything.
/// </summary>
public sealed class HeadlessBrowser : IAsyncLifetime, IAsyncDisposable
{
    private readonly string? _executable;
    private readonly SemaphoreSlim _launch = new(1, 1);
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public HeadlessBrowser() : this(null) { }

    private HeadlessBrowser(string? executable) => _executable = executable;

    /// <summary>Launches now (the executable defaults to <see cref="Chromium.Executable"/>).</summary>
    public static async Task<HeadlessBrowser> LaunchAsync(string? executable = null)
    {
        var browser = new HeadlessBrowser(executable);
        try { await browser.BrowserAsync(); }
        catch { await browser.DisposeAsync(); throw; }
        return browser;
    }

    /// <summary>Opens the HTML file at <paramref name="path"/> in a context of its own, the network blocked.</summary>
    public async Task<HeadlessPage> OpenAsync(string path) =>
        await HeadlessPage.OpenInAsync(await BrowserAsync(), path);

    private async Task<IBrowser> BrowserAsync()
    {
        await _launch.WaitAsync();
        try
        {
            if (_browser is not null) return _browser;
            var executable = _executable ?? Chromium.Executable
                ?? throw new InvalidOperationException(Chromium.Unavailable ?? "no Chromium found");
            // Only Playwright's install commands read this and none is run here; set anyway, so that
            // nothing the driver started from this process does can fetch a browser.
            Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
            _playwright ??= await Playwright.CreateAsync();
            _browser = await _playwright.Chromium.LaunchAsync(Chromium.LaunchOptions(executable));
            return _browser;
        }
        finally { _launch.Release(); }
    }

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null) await _browser.CloseAsync();
        _browser = null;
        _playwright?.Dispose();
        _playwright = null;
    }
}
