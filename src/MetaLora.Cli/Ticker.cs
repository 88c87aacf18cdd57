namespace MetaLora.Cli;

/// <summary>Reports synchronously on the calling thread (System.Progress posts to the thread pool, which can outlive the bar).</summary>
internal sealed class Ticker<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
