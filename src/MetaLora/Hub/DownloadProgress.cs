namespace MetaLora.Hub;

/// <summary>Where a batch of downloads stands; <see cref="BytesDone"/> includes files already present.</summary>
public sealed record DownloadProgress(
    int FilesDone, int FilesTotal, long BytesDone, long BytesTotal, double BytesPerSecond, TimeSpan? Remaining)
{
    public override string ToString()
    {
        var eta = Remaining is { } r ? $", about {Describe(r)} left" : "";
        return $"{FilesDone} of {FilesTotal} files, {DiskSpace.Format(BytesDone)} of {DiskSpace.Format(BytesTotal)}, {DiskSpace.Format((long)BytesPerSecond)}/s{eta}";
    }

    private static string Describe(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours} h {t.Minutes} min" : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes} min" : $"{Math.Max(1, (int)t.TotalSeconds)} s";
}

/// <summary>
/// Transfer rate over the last few seconds (not since the start, so a stall or a burst shows up),
/// and the time left at that rate.
/// </summary>
internal sealed class RateMeter(TimeSpan window)
{
    private readonly Queue<(TimeSpan At, long Bytes)> _samples = new();

    public double BytesPerSecond(TimeSpan now, long received)
    {
        _samples.Enqueue((now, received));
        while (_samples.Count > 2 && now - _samples.Peek().At > window) _samples.Dequeue();
        var (at, bytes) = _samples.Peek();
        var seconds = (now - at).TotalSeconds;
        return seconds > 0.05 ? (received - bytes) / seconds : 0;
    }
}
