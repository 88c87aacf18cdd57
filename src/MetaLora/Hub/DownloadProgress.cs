using MetaLora.IO;

namespace MetaLora.Hub;

/// <summary>Where a batch of downloads stands; <see cref="BytesDone"/> includes files already present.</summary>
internal sealed record DownloadProgress(
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
