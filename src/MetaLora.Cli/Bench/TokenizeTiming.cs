namespace MetaLora.Cli.Bench;

/// <summary>Timed Tokenize passes: tokens and characters produced, wall and process CPU seconds per run.</summary>
internal sealed record TokenizeTiming(long Tokens, long Characters, IReadOnlyList<double> Seconds, IReadOnlyList<double> CpuSeconds)
{
    public double MedianSeconds => Seconds.Order().ElementAt(Seconds.Count / 2);

    /// <summary>Less sensitive than wall time to other jobs on a shared machine.</summary>
    public double MedianCpuSeconds => CpuSeconds.Order().ElementAt(CpuSeconds.Count / 2);
    public double TokensPerSecond => Tokens / MedianSeconds;
}
