namespace MetaLora.Reporting.Statistics;

/// <summary>
/// Two-sided tail probabilities of the standard normal distribution, P(|Z| &gt; |z|) = erfc(|z| / √2),
/// within about 3e-14 relative of SciPy's down to the smallest normal double (.NET has no erfc).
/// </summary>
internal static class NormalTail
{
    private const double Sqrt1Over2 = 0.70710678118654752440;

    public static double TwoSided(double z) => Erfc(Math.Abs(z) * Sqrt1Over2);

    /// <summary>erfc(x) for x ≥ 0.</summary>
    internal static double Erfc(double x)
    {
        // Below 1.5 erfc is above 0.03, so 1 - erf loses little; the series below has only positive terms.
        if (x < 1.5) return 1 - Erf(x);
        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / ContinuedFraction(x);
    }

    /// <summary>erf(x) = 2/√π e^(-x²) Σ x (2x²)^k / (1·3·…·(2k+1)), for 0 ≤ x &lt; 1.5.</summary>
    private static double Erf(double x)
    {
        var twoXSquared = 2 * x * x;
        double term = x, sum = x;
        for (var k = 1; ; k++)
        {
            term *= twoXSquared / (2 * k + 1);
            var next = sum + term;
            if (next == sum) break;
            sum = next;
        }
        return 2 / Math.Sqrt(Math.PI) * Math.Exp(-x * x) * sum;
    }

    /// <summary>
    /// x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …)))), so that erfc(x) = e^(-x²) / (√π times it);
    /// evaluated forward (modified Lentz) until a step no longer changes it. Some 100 steps at x = 1.5, fewer beyond.
    /// </summary>
    private static double ContinuedFraction(double x)
    {
        const double Tiny = 1e-300;
        double f = x, c = x, d = 0;
        for (var k = 1; k < 10_000; k++)
        {
            var a = k / 2.0;
            d = x + a * d;
            if (d == 0) d = Tiny;
            c = x + a / c;
            if (c == 0) c = Tiny;
            d = 1 / d;
            var step = c * d;
            f *= step;
            if (step == 1) break;
        }
        return f;
    }
}
