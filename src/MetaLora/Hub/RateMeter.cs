namespace MetaLora.Hub;

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
