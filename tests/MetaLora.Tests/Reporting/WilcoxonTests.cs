using System.Text.Json;
using System.Text.Json.Serialization;
using MetaLora.Reporting.Statistics;
using MetaLora.Tests.Support;

namespace MetaLora.Tests.Reporting;

/// <summary>
/// The Wilcoxon signed-rank test, the normal tail it uses and the percentile rule of the bootstrap
/// against SciPy 1.10 and NumPy 1.24 (Fixtures/make_wilcoxon_fixtures.py), to 1e-12 relative.
/// </summary>
public sealed class WilcoxonTests
{
    private const double Tolerance = 1e-12;

    public sealed record FixtureCase(
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("x")] double[] X,
        [property: JsonPropertyName("y")] double[] Y,
        [property: JsonPropertyName("method")] string Method,
        [property: JsonPropertyName("statistic")] double? Statistic,
        [property: JsonPropertyName("p_value")] double? PValue,
        [property: JsonPropertyName("scipy_error")] string? ScipyError);

    public sealed record NormalCase([property: JsonPropertyName("z")] double Z, [property: JsonPropertyName("p")] double P);

    public sealed record PercentileCase(
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("values")] double[] Values,
        [property: JsonPropertyName("q")] double[] Q,
        [property: JsonPropertyName("percentiles")] double[] Percentiles);

    private sealed record Extras(
        [property: JsonPropertyName("normal")] NormalCase[] Normal,
        [property: JsonPropertyName("percentiles")] PercentileCase[] Percentiles);

    private static readonly FixtureCases<FixtureCase> Cases = new("wilcoxon.json", c => c.Name);
    private static readonly Lazy<Extras> More = new(() => JsonSerializer.Deserialize<Extras>(File.ReadAllText(Fixtures.Path("wilcoxon.json")))!);

    public static TheoryData<string> CaseNames() => Cases.Names();

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void MatchesScipy(string name)
    {
        var c = Cases[name];
        var result = Wilcoxon.Test(c.X, c.Y);
        if (c.X.Length == 0)
        {
            // SciPy: NaN. Here: no test.
            Assert.Null(c.PValue);
            Assert.Null(result);
            return;
        }
        if (c.ScipyError is not null)
        {
            // SciPy raises when every difference is zero; here that is no evidence of a difference.
            Assert.Contains("zero for all elements", c.ScipyError);
            Assert.Equal(new WilcoxonResult(0, 1), result);
            return;
        }
        Assert.NotNull(result);
        Close(c.Statistic!.Value, result.Value.Statistic);
        Close(c.PValue!.Value, result.Value.PValue);
    }

    [Fact]
    public void TheFixtureCoversBothBranchesAndTheEdges()
    {
        Assert.True(Cases.All.Count(c => c.Method == "exact") >= 6);
        Assert.True(Cases.All.Count(c => c.Method == "approx") >= 6);
        Assert.Contains(Cases.All, c => c.X.Length == 502);
        Assert.Contains(Cases.All, c => c.X.Length == 32 && c.Method == "approx" && c.X.Zip(c.Y).Any(p => p.First == p.Second));
    }

    [Fact]
    public void NormalTailMatchesScipy()
    {
        foreach (var c in More.Value.Normal) Close(c.P, NormalTail.TwoSided(c.Z), $"z = {c.Z}");
    }

    [Fact]
    public void PercentileRuleMatchesNumpy()
    {
        foreach (var c in More.Value.Percentiles)
        {
            var sorted = c.Values.Order().ToArray();
            for (var i = 0; i < c.Q.Length; i++)
                // The same operations as NumPy's, so the same bits.
                Assert.True(c.Percentiles[i] == Bootstrap.Percentile(sorted, c.Q[i]),
                    $"{c.Name} at {c.Q[i]}: NumPy {c.Percentiles[i]:R}, here {Bootstrap.Percentile(sorted, c.Q[i]):R}");
        }
    }

    [Fact]
    public void SwappingTheSamplesKeepsTheTwoSidedTestExceptWhereScipyTruncatesATiedRankSum()
    {
        // R+ + R- = n(n+1)/2, so R+ is a half-integer exactly when the statistic min(R+, R-) is.
        foreach (var c in Cases.All.Where(c => c.PValue is not null && !(c.Method == "exact" && c.Statistic % 1 != 0)))
            Assert.Equal(Wilcoxon.Test(c.X, c.Y), Wilcoxon.Test(c.Y, c.X));
        // SciPy 1.10: wilcoxon(x, y) gives 0.375 (R+ = 8.5, truncated to 8), wilcoxon(y, x) 0.25 (R+ = 1.5, truncated to 1).
        Assert.Equal(new WilcoxonResult(1.5, 0.375), Wilcoxon.Test([1.0, 2.0, 3.5, 4.0], [0.0, 0.0, 1.0, 5.0]));
        Assert.Equal(new WilcoxonResult(1.5, 0.25), Wilcoxon.Test([0.0, 0.0, 1.0, 5.0], [1.0, 2.0, 3.5, 4.0]));
    }

    private static void Close(double expected, double actual, string? what = null) =>
        Assert.True(Math.Abs(actual - expected) <= Tolerance * Math.Abs(expected), $"{what} expected {expected:R}, got {actual:R}");
}
