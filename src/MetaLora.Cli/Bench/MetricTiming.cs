using MetaLora.Distances;


namespace MetaLora.Cli.Bench;

/// <summary>Wall-clock seconds of each run of one metric over all pairs of tasks.</summary>
internal sealed record MetricTiming(Metric Metric, IReadOnlyList<double> Seconds, long Pairs)
{
    public double MedianSeconds
    {
        get
        {
            var sorted = Seconds.Order().ToArray();
            var mid = sorted.Length / 2;
            return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        }
    }

    /// <summary>Unordered pairs per second at the median time (KL's two directions count as one pair).</summary>
    public double PairsPerSecond => Pairs / MedianSeconds;
}
