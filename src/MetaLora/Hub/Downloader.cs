using System.Diagnostics;
using System.Net;
using MetaLora.IO;
using MetaLora.IO.Http;

namespace MetaLora.Hub;

/// <summary>
/// Downloads files in parallel (at most <c>jobs</c> at once) into place, each one:
/// streamed into <c>&lt;target&gt;.incomplete</c>, resumed with an HTTP Range request after a dropped
/// connection (here or in a later run), checked against the size and hash the Hub lists, and only
/// then renamed over the target. A file that fails the check is deleted, never renamed into place.
/// </summary>
internal sealed class Downloader(HubClient client)
{
    public const string PartialSuffix = ".incomplete";

    private const int BufferSize = 1 << 20;

    /// <summary>Called after each file is verified and in place (the caller records it so a rerun skips it).</summary>
    public Action<DownloadItem>? Completed { get; init; }

    /// <summary>
    /// Fetches every item. <paramref name="bytesAlreadyDone"/> (files found verified) only counts toward
    /// the progress. Stops at the first failure that retrying cannot fix; partial files stay for a resume.
    /// </summary>
    public async Task RunAsync(IReadOnlyList<DownloadItem> items, int jobs, IProgress<DownloadProgress>? progress,
        long bytesAlreadyDone = 0, int filesAlreadyDone = 0, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(jobs, 1);
        var tracker = new Tracker(items, bytesAlreadyDone, filesAlreadyDone, progress);
        tracker.Report(force: true);
        await Parallel.ForEachAsync(Enumerable.Range(0, items.Count), new ParallelOptions { MaxDegreeOfParallelism = jobs, CancellationToken = ct },
            async (i, token) =>
            {
                await FetchAsync(items[i], bytes => tracker.Set(i, bytes), received => tracker.Add(i, received), token);
                tracker.FileDone();
                Completed?.Invoke(items[i]);
            });
        tracker.Report(force: true);
    }

    private async Task FetchAsync(DownloadItem item, Action<long> present, Action<long> received, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(item.Target))!);
        var partial = item.Target + PartialSuffix;
        var url = client.FileUrl(item.Repo, item.Commit, item.File.Path);
        // A partial file left by an earlier run may hold bytes of another commit's file: if the
        // resumed file fails the check, it gets one fresh download before the failure counts.
        var resumedFromEarlierRun = File.Exists(partial);
        while (true)
        {
            await client.Retry.ExecuteAsync(async token =>
            {
                await TransferAsync(item, url, partial, present, received, token);
                return true;
            }, ct);

            // Only bytes that match the listing are ever renamed into place.
            var problem = FileCheck.Problem(partial, item.File);
            if (problem is null) break;
            File.Delete(partial);
            if (resumedFromEarlierRun) { resumedFromEarlierRun = false; continue; }
            throw BadInputException.At(url.AbsoluteUri, $"downloaded file {problem}; it was discarded (rerun to fetch it again)");
        }
        File.Move(partial, item.Target, overwrite: true);
    }

    /// <summary>One attempt: brings <paramref name="partial"/> to the listed size, resuming what is there.</summary>
    private async Task TransferAsync(DownloadItem item, Uri url, string partial, Action<long> present, Action<long> received, CancellationToken ct)
    {
        var size = item.File.Size;
        var have = File.Exists(partial) ? new FileInfo(partial).Length : 0;
        if (have > size) { File.Delete(partial); have = 0; }
        present(have);
        if (have == size) return;

        using var response = await client.GetFileAsync(url, item.Repo, have > 0 ? have : null, ct);
        var append = have > 0 && response.StatusCode == HttpStatusCode.PartialContent;
        if (append && response.Content.Headers.ContentRange?.From is { } from && from != have)
            throw new TransientHttpException($"{url.AbsoluteUri}: asked for bytes from {have}, the server sent from {from}");
        if (!append) { have = 0; present(0); } // the server ignored the Range header: start over

        await using var body = await response.Content.ReadAsStreamAsync(ct);
        try
        {
            await using var file = new FileStream(partial, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, BufferSize, useAsync: true);
            var buffer = new byte[BufferSize];
            while (true)
            {
                var read = await ReadAsync(body, buffer, url, ct);
                if (read == 0) break;
                if (have + read > size)
                    throw BadInputException.At(url.AbsoluteUri, $"the server sent more than the {size} bytes the Hub lists");
                await file.WriteAsync(buffer.AsMemory(0, read), ct);
                have += read;
                received(read);
            }
            await file.FlushAsync(ct);
            file.Flush(flushToDisk: true);
        }
        catch (IOException e) when (DiskSpace.IsDiskFull(e))
        {
            throw BadInputException.At(partial, $"disk full after {DiskSpace.Format(have)} of {DiskSpace.Format(size)}; free some space and rerun (the download resumes)");
        }
        if (have < size)
            throw new TransientHttpException($"{url.AbsoluteUri}: connection closed after {have} of {size} bytes");
    }

    /// <summary>A read from the network: a dropped connection or one idle past the read timeout is transient (resumed).</summary>
    private async Task<int> ReadAsync(Stream body, byte[] buffer, Uri url, CancellationToken ct)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
        idle.CancelAfter(client.Settings.ReadTimeout);
        try
        {
            return await body.ReadAsync(buffer, idle.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TransientHttpException($"{url.AbsoluteUri}: no data for {client.Settings.ReadTimeout.TotalSeconds:0} s");
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw new TransientHttpException($"{url.AbsoluteUri}: connection dropped ({client.Redact(e.Message)})", inner: e);
        }
    }

    /// <summary>Bytes per file (what is on disk, including resumed prefixes), bytes received this run, and files done.</summary>
    private sealed class Tracker(IReadOnlyList<DownloadItem> items, long bytesAlreadyDone, int filesAlreadyDone, IProgress<DownloadProgress>? progress)
    {
        private readonly int _filesBefore = filesAlreadyDone;
        private readonly long[] _present = new long[items.Count];
        private readonly long _total = bytesAlreadyDone + items.Sum(i => i.File.Size);
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly RateMeter _rate = new(TimeSpan.FromSeconds(10));
        private readonly object _gate = new();
        private long _received;
        private readonly int _filesTotal = filesAlreadyDone + items.Count;
        private int _files;
        private TimeSpan _lastReport = TimeSpan.MinValue;

        public void Set(int item, long bytes) { lock (_gate) _present[item] = bytes; Report(); }

        public void Add(int item, long bytes)
        {
            lock (_gate) { _present[item] += bytes; _received += bytes; }
            Report();
        }

        public void FileDone() { lock (_gate) _files++; Report(force: true); }

        public void Report(bool force = false)
        {
            if (progress is null) return;
            DownloadProgress snapshot;
            lock (_gate)
            {
                var now = _clock.Elapsed;
                // Several reports a second are plenty for a display.
                if (!force && now - _lastReport < TimeSpan.FromMilliseconds(250)) return;
                _lastReport = now;
                var done = bytesAlreadyDone + _present.Sum();
                var rate = _rate.BytesPerSecond(now, _received);
                TimeSpan? left = rate > 0 ? TimeSpan.FromSeconds((_total - done) / rate) : null;
                snapshot = new DownloadProgress(_filesBefore + _files, _filesTotal, done, _total, rate, left);
            }
            progress.Report(snapshot);
        }
    }
}
