using System.Text.Json.Serialization;
using MetaLora.Tests.Support;
using MetaLora.Distances;

namespace MetaLora.Tests.Distances;

/// <summary>
/// KL, JS and WD against values computed with NumPy and SciPy (Fixtures/make_distance_fixtures.py), at
/// every vector width that runs natively here.
/// </summary>
public sealed class ReferenceFixtureTests
{
    private const double Tolerance = 1e-9;

    public sealed record FixtureCase(
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("vocab")] int Vocab,
        [property: JsonPropertyName("tasks")] int[][] Tasks,
        [property: JsonPropertyName("kl")] double[][] KL,
        [property: JsonPropertyName("js")] double[][] JS,
        [property: JsonPropertyName("wd")] double[][] WD);

    private static readonly FixtureCases<FixtureCase> Cases = new("distances.json", c => c.Name);

    public static TheoryData<string> CaseNames() => Cases.Names();

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void KL_matches_numpy(string name) => Check(name, Metric.KL, c => c.KL);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void JS_matches_numpy(string name) => Check(name, Metric.JS, c => c.JS);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void WD_matches_scipy(string name) => Check(name, Metric.WD, c => c.WD);

    private static void Check(string name, Metric metric, Func<FixtureCase, double[][]> expected)
    {
        var c = Cases[name];
        var names = Enumerable.Range(0, c.Tasks.Length).Select(i => $"t{i}").ToArray();
        var reference = expected(c);
        foreach (var width in Lanes.Available)
        {
            var actual = DistanceMatrix.Compute(metric, c.Tasks, names, c.Vocab, seed: 0, width);
            for (var i = 0; i < c.Tasks.Length; i++)
                for (var j = 0; j < c.Tasks.Length; j++)
                    Close.Equal(reference[i][j], actual[i, j], Tolerance, $"{name} {metric}[{i},{j}] at {width}");
        }
    }
}
