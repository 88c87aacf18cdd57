namespace MetaLora.Tokenization;

/// <summary>One timed Tokenize pass: tokens and characters produced, wall seconds per run.</summary>
public sealed record TokenizeTiming(long Tokens, long Characters, IReadOnlyList<double> Seconds)
{
    public double MedianSeconds => Seconds.Order().ElementAt(Seconds.Count / 2);
    public double TokensPerSecond => Tokens / MedianSeconds;
}
