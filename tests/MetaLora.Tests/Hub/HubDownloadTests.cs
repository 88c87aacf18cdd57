using System.Text;
using MetaLora.Hub;

namespace MetaLora.Tests.Hub;

/// <summary>The Hub client and downloader against a real HTTP server on 127.0.0.1 that injects faults.</summary>
public sealed class HubDownloadTests : IDisposable
{
    private const string Commit = "0123456789abcdef0123456789abcdef01234567";
    private readonly FakeHub _hub = new();
    private readonly TempDir _dir = new();
    private readonly byte[] _weights = Enumerable.Range(0, 300_000).Select(i => (byte)(i * 7 % 251)).ToArray();
    private readonly byte[] _config = Encoding.UTF8.GetBytes("{\"r\": 16}\n");

    public HubDownloadTests()
    {
        _hub.AddModel("org/adapter", Commit, new() { ["adapter_model.safetensors"] = _weights, ["adapter_config.json"] = _config });
        _hub.AddModel("org/gated", Commit, new() { ["config.json"] = _config }, gated: true);
    }

    public void Dispose()
    {
        _hub.Dispose();
        _dir.Dispose();
    }

    // A generous read timeout: on a busy machine a short one would turn a slow answer into a retry
    // and hide the fault a test injected (the stall test sets its own).
    private HubClient Client(HubToken? token = null, List<string>? log = null, TimeSpan? readTimeout = null) =>
        new(new HubSettings(new Uri(_hub.Endpoint), token)
            {
                BaseDelay = TimeSpan.FromMilliseconds(5), MaxRetries = 3, ReadTimeout = readTimeout ?? TimeSpan.FromSeconds(30),
            },
            log: log is null ? null : log.Add);

    private async Task<string> Download(HubClient client, string repoId, string path)
    {
        var repo = HubRepo.Model(repoId);
        var files = await client.ListFilesAsync(repo, Commit);
        var target = _dir[Path.Combine("out", path)];
        await new Downloader(client).RunAsync([new DownloadItem(repo, Commit, files.Single(f => f.Path == path), target)], jobs: 2, progress: null);
        return target;
    }

    [Fact]
    public async Task Lists_files_with_lfs_sha256_and_resolves_the_commit()
    {
        using var client = Client();
        var repo = HubRepo.Model("org/adapter");
        Assert.Equal(Commit, await client.ResolveCommitAsync(repo, "main"));
        var files = await client.ListFilesAsync(repo, Commit);
        var weights = files.Single(f => f.Path == "adapter_model.safetensors");
        Assert.Equal(_weights.Length, weights.Size);
        Assert.Equal(FakeHub.Sha256(_weights), weights.Sha256);
        var config = files.Single(f => f.Path == "adapter_config.json");
        Assert.Null(config.Sha256);
        Assert.Equal(FakeHub.GitOid(_config), config.GitOid);
    }

    [Fact]
    public async Task Follows_the_tree_api_pages()
    {
        _hub.TreePageSize = 1;
        using var client = Client();
        var files = await client.ListFilesAsync(HubRepo.Model("org/adapter"), Commit);
        Assert.Equal(["adapter_config.json", "adapter_model.safetensors"], files.Select(f => f.Path).Order());
        Assert.True(_hub.Requests.Count(r => r.Path.Contains("/tree/")) >= 2);
    }

    [Fact]
    public async Task A_500_then_success_is_retried_with_back_off()
    {
        _hub.FailNext("adapter_model.safetensors", 500);
        _hub.FailNext("adapter_model.safetensors", 429);
        var log = new List<string>();
        using var client = Client(log: log);
        var target = await Download(client, "org/adapter", "adapter_model.safetensors");
        Assert.Equal(_weights, File.ReadAllBytes(target));
        Assert.Equal(2, log.Count(l => l.Contains("retry")));
        Assert.Contains(log, l => l.Contains("HTTP 500"));
    }

    [Fact]
    public async Task Persistent_5xx_gives_up_with_one_line()
    {
        _hub.FailNext("adapter_model.safetensors", 503, times: 10);
        using var client = Client();
        var e = await Assert.ThrowsAsync<BadInputException>(() => Download(client, "org/adapter", "adapter_model.safetensors"));
        Assert.Contains("503", e.Message);
        Assert.Contains("gave up after 4 attempts", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public async Task A_connection_dropped_mid_file_resumes_with_a_range_request()
    {
        _hub.DropNext("adapter_model.safetensors", 120_000);
        using var client = Client();
        var target = await Download(client, "org/adapter", "adapter_model.safetensors");

        Assert.Equal(_weights, File.ReadAllBytes(target));
        Assert.False(File.Exists(target + Downloader.PartialSuffix));
        var cdn = _hub.Requests.Where(r => r.Path.StartsWith("/cdn/")).ToList();
        Assert.Equal(2, cdn.Count);
        Assert.Null(cdn[0].Range);
        Assert.NotNull(cdn[1].Range);
        var from = long.Parse(cdn[1].Range!["bytes=".Length..^1]);
        Assert.InRange(from, 1, 120_000);
    }

    [Fact]
    public async Task A_stalled_connection_is_abandoned_after_the_read_timeout_and_retried()
    {
        _hub.StallNext("adapter_model.safetensors", TimeSpan.FromSeconds(5));
        var log = new List<string>();
        using var client = Client(log: log, readTimeout: TimeSpan.FromSeconds(1));
        var target = await Download(client, "org/adapter", "adapter_model.safetensors");
        Assert.Equal(_weights, File.ReadAllBytes(target));
        Assert.Contains(log, l => l.Contains("no data for") || l.Contains("no answer for"));
    }

    [Fact]
    public async Task A_partial_file_from_an_earlier_run_is_resumed()
    {
        var target = _dir[Path.Combine("out", "adapter_model.safetensors")];
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.WriteAllBytes(target + Downloader.PartialSuffix, _weights[..100_000]);
        using var client = Client();
        await Download(client, "org/adapter", "adapter_model.safetensors");
        Assert.Equal(_weights, File.ReadAllBytes(target));
        Assert.Equal("bytes=100000-", _hub.Requests.Single(r => r.Path.StartsWith("/cdn/")).Range);
    }

    [Fact]
    public async Task A_partial_file_with_foreign_bytes_is_downloaded_afresh()
    {
        var target = _dir[Path.Combine("out", "adapter_model.safetensors")];
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.WriteAllBytes(target + Downloader.PartialSuffix, new byte[100_000]); // e.g. another commit's file
        using var client = Client();
        await Download(client, "org/adapter", "adapter_model.safetensors");
        Assert.Equal(_weights, File.ReadAllBytes(target));
        Assert.Equal(["bytes=100000-", null], _hub.Requests.Where(r => r.Path.StartsWith("/cdn/")).Select(r => r.Range));
    }

    [Fact]
    public async Task Content_that_does_not_match_its_hash_is_rejected_and_not_put_in_place()
    {
        _hub.CorruptNext("adapter_model.safetensors");
        using var client = Client();
        var e = await Assert.ThrowsAsync<BadInputException>(() => Download(client, "org/adapter", "adapter_model.safetensors"));
        Assert.Contains("sha256", e.Message);
        Assert.Contains("discarded", e.Message);
        var target = _dir[Path.Combine("out", "adapter_model.safetensors")];
        Assert.False(File.Exists(target));
        Assert.False(File.Exists(target + Downloader.PartialSuffix));
    }

    [Fact]
    public async Task A_small_git_file_is_checked_against_its_git_blob_id()
    {
        _hub.CorruptNext("adapter_config.json");
        using var client = Client();
        var e = await Assert.ThrowsAsync<BadInputException>(() => Download(client, "org/adapter", "adapter_config.json"));
        Assert.Contains("git blob id", e.Message);
        Assert.False(File.Exists(_dir[Path.Combine("out", "adapter_config.json")]));
        Assert.Equal(_config, File.ReadAllBytes(await Download(client, "org/adapter", "adapter_config.json")));
    }

    [Fact]
    public async Task A_full_disk_while_writing_is_one_clear_line()
    {
        // Linux's /dev/full fails every write with ENOSPC, as a full disk does.
        if (!OperatingSystem.IsLinux() || !File.Exists("/dev/full")) return;
        var target = _dir[Path.Combine("out", "adapter_model.safetensors")];
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.CreateSymbolicLink(target + Downloader.PartialSuffix, "/dev/full");
        using var client = Client();
        var e = await Assert.ThrowsAsync<BadInputException>(() => Download(client, "org/adapter", "adapter_model.safetensors"));
        Assert.Contains("disk full", e.Message);
        Assert.Contains(Downloader.PartialSuffix, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.False(File.Exists(target));
    }

    [Fact]
    public async Task A_401_without_token_is_one_clear_line()
    {
        using var client = Client();
        var e = await Assert.ThrowsAsync<BadInputException>(() => client.ResolveCommitAsync(HubRepo.Model("org/gated"), "main"));
        Assert.Contains("401", e.Message);
        Assert.Contains("HF_TOKEN", e.Message);
        Assert.Contains("HUGGINGFACE_TOKEN", e.Message);
        Assert.Contains("org/gated", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public async Task A_403_names_the_licence_and_never_the_token()
    {
        const string wrong = "hf_wrong_Token_Value_123";
        using var client = Client(HubToken.FromValue(wrong, "test"));
        var e = await Assert.ThrowsAsync<BadInputException>(() => client.ResolveCommitAsync(HubRepo.Model("org/gated"), "main"));
        Assert.Contains("403", e.Message);
        Assert.Contains("licence", e.Message);
        Assert.DoesNotContain(wrong, e.ToString());
        Assert.DoesNotContain(wrong, HubToken.FromValue(wrong, "test").ToString());
        Assert.Equal("Bearer " + wrong, _hub.Requests.Last().Authorization);
    }

    [Fact]
    public async Task A_missing_file_names_the_repo_and_the_file()
    {
        using var client = Client();
        var repo = HubRepo.Model("org/adapter");
        var missing = new HubFile("adapter_model.bin", 10, new string('a', 64), null);
        var e = await Assert.ThrowsAsync<BadInputException>(() =>
            new Downloader(client).RunAsync([new DownloadItem(repo, Commit, missing, _dir["x.bin"])], 1, null));
        Assert.Contains("404", e.Message);
        Assert.Contains("org/adapter", e.Message);
        Assert.Contains("adapter_model.bin", e.Message);
    }

    [Fact]
    public async Task Token_from_dotenv_and_HF_ENDPOINT_are_honoured()
    {
        var dotEnv = _dir.Write(".env", $"# the paper's config\nHUGGINGFACE_TOKEN=\"{_hub.AcceptedToken}\"\n");
        var settings = HubSettings.FromEnvironment(name => name == HubSettings.EndpointVariable ? _hub.Endpoint : null, dotEnv);
        Assert.Equal(new Uri(_hub.Endpoint), settings.Endpoint);
        Assert.Equal(Path.GetFullPath(dotEnv), settings.Token!.Source);
        Assert.DoesNotContain(_hub.AcceptedToken, settings.Token.ToString());

        using var client = new HubClient(settings);
        Assert.Equal(Commit, await client.ResolveCommitAsync(HubRepo.Model("org/gated"), "main"));
        Assert.Equal("Bearer " + _hub.AcceptedToken, _hub.Requests.Last().Authorization);

        // HF_TOKEN wins over the file; without either there is no token; the default endpoint is the Hub.
        var fromVariable = HubSettings.FromEnvironment(name => name == HubToken.EnvironmentVariable ? "hf_from_variable" : null, dotEnv);
        Assert.Equal(HubToken.EnvironmentVariable, fromVariable.Token!.Source);
        Assert.Equal(HubSettings.DefaultEndpoint, fromVariable.Endpoint);
        Assert.Null(HubSettings.FromEnvironment(_ => null, _dir["missing.env"]).Token);
    }

    [Fact]
    public async Task The_token_is_not_sent_to_the_cdn_a_large_file_redirects_to()
    {
        using var client = Client(HubToken.FromValue("hf_some_token_value", "test"));
        await Download(client, "org/adapter", "adapter_model.safetensors");
        Assert.NotNull(_hub.Requests.Single(r => r.Path.Contains("/resolve/")).Authorization);
        Assert.Null(_hub.Requests.Single(r => r.Path.StartsWith("/cdn/")).Authorization);
    }

    [Fact]
    public async Task Progress_reports_bytes_rate_and_files()
    {
        using var client = Client();
        var repo = HubRepo.Model("org/adapter");
        var files = await client.ListFilesAsync(repo, Commit);
        var reports = new List<DownloadProgress>();
        var items = files.Select(f => new DownloadItem(repo, Commit, f, _dir[Path.Combine("p", f.Path)])).ToList();
        await new Downloader(client).RunAsync(items, jobs: 2, new SyncProgress(reports.Add), bytesAlreadyDone: 1000, filesAlreadyDone: 1);
        var last = reports.Last();
        Assert.Equal(3, last.FilesTotal);
        Assert.Equal(3, last.FilesDone);
        Assert.Equal(1000 + _weights.Length + _config.Length, last.BytesTotal);
        Assert.Equal(last.BytesTotal, last.BytesDone);
        Assert.Contains("of 3 files", last.ToString());
    }

    private sealed class SyncProgress(Action<DownloadProgress> report) : IProgress<DownloadProgress>
    {
        private readonly object _gate = new();
        public void Report(DownloadProgress value) { lock (_gate) report(value); }
    }
}
