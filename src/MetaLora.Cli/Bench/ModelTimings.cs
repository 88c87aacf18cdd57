namespace MetaLora.Cli.Bench;

/// <summary>
/// Per-run measurements; the medians are what the bench prints. Each is also given per CPU-second of
/// this process (wall-clock figures on a shared machine depend on the other load; CPU time less so).
/// </summary>
internal sealed record ModelTimings(IReadOnlyList<double> CachedTokensPerSecond, IReadOnlyList<double> UncachedTokensPerSecond,
    IReadOnlyList<double> TrainStepMilliseconds, long Parameters, long LoraParameters)
{
    public IReadOnlyList<double> CachedTokensPerCpuSecond { get; init; } = [];
    public IReadOnlyList<double> UncachedTokensPerCpuSecond { get; init; } = [];
    public IReadOnlyList<double> TrainStepCpuMilliseconds { get; init; } = [];

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
