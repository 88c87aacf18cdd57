using System.Text.Json.Serialization;
using MetaLora.Tests.Support;
using MetaLora.Prediction.Coefficients;
using MetaLora.Tests.Distances;

namespace MetaLora.Tests.Prediction;

/// <summary>
/// base_version and normalized_version against scikit-learn and NumPy
/// (Fixtures/make_coefficient_fixtures.py).
/// </summary>
public sealed class ReferenceCoefficientTests
{
    private const double Tolerance = 1e-9;

    public sealed record FixtureCase(
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("distances")] double[][] Distances,
        [property: JsonPropertyName("standardized")] double[][] Standardized,
        [property: JsonPropertyName("base_version")] double[][] Base,
        [property: JsonPropertyName("normalized_version")] double[][] Normalized);

    private static readonly FixtureCases<FixtureCase> Cases = new("coefficients.json", c => c.Name);

    public static TheoryData<string> CaseNames() => Cases.Names();

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void StandardizationMatchesStandardScaler(string name) =>
        Check(name, NormalizedVersion.Standardize, c => c.Standardized);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void BaseVersionMatchesNumpy(string name) => Check(name, BaseVersion.Coefficients, c => c.Base);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void NormalizedVersionMatchesScikitLearn(string name) => Check(name, NormalizedVersion.Coefficients, c => c.Normalized);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void RowsOfBankTasksAreRowsOfTheMatrix(string name)
    {
        var c = Cases[name];
        var d = ToMatrix(c.Distances);
        var baseMatrix = BaseVersion.Coefficients(d);
        var normalizedMatrix = NormalizedVersion.Coefficients(d);
        for (var i = 0; i < c.Distances.Length; i++)
        {
            Assert.Equal(RowOf(baseMatrix, i), BaseVersion.Row(c.Distances[i], self: i));
            Assert.Equal(RowOf(normalizedMatrix, i), NormalizedVersion.Row(c.Distances[i], self: i));
        }
    }

    [Fact]
    public void NewDatasetRowsWeighEveryBankTask()
    {
        double[] distances = [0.5, 2.0, 1.0, 3.0];
        var baseRow = BaseVersion.Row(distances);
        var normalizedRow = NormalizedVersion.Row(distances);
        var z = NormalizedVersion.StandardizeRow(distances);
        for (var j = 0; j < distances.Length; j++)
        {
            var baseExpected = Math.Exp(-distances[j]) / distances.Sum(x => Math.Exp(-x));
            var normalizedExpected = Math.Exp(-z[j]) / z.Sum(x => Math.Exp(-x));
            Close.Equal(baseExpected, baseRow[j], 1e-14, $"base {j}");
            Close.Equal(normalizedExpected, normalizedRow[j], 1e-14, $"normalized {j}");
        }
        // Standardising over the row: mean 0, population std 1.
        Close.Equal(1.0, z.Sum(x => x * x) / z.Length, 1e-14, "variance", 1e-15);
        Assert.True(Math.Abs(z.Sum()) < 1e-14);
    }

    [Fact]
    public void NormalizedVersionIgnoresEachRowsScaleAndOffset()
    {
        var d = ToMatrix(Cases.All[1].Distances);
        var before = NormalizedVersion.Coefficients(d);
        var n = d.GetLength(0);
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
                d[i, j] = d[i, j] * (i + 1) * 1000 + 17 * i;
        var after = NormalizedVersion.Coefficients(d);
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
                Close.Equal(before[i, j], after[i, j], 1e-9, $"C[{i},{j}]");
    }

    [Fact]
    public void RejectsNonFiniteAndNonSquareDistances()
    {
        Assert.Throws<ArgumentException>(() => BaseVersion.Coefficients(new double[2, 3]));
        Assert.Throws<ArgumentException>(() => NormalizedVersion.Coefficients(new double[1, 1]));
        Assert.Throws<ArgumentException>(() => NormalizedVersion.Coefficients(new double[,] { { 0, double.NaN }, { 1, 0 } }));
        Assert.Throws<ArgumentException>(() => BaseVersion.Row([1.0, double.PositiveInfinity]));
    }

    private static void Check(string name, Func<double[,], double[,]> compute, Func<FixtureCase, double[][]> expected)
    {
        var c = Cases[name];
        var actual = compute(ToMatrix(c.Distances));
        var reference = expected(c);
        for (var i = 0; i < reference.Length; i++)
            for (var j = 0; j < reference.Length; j++)
                Close.Equal(reference[i][j], actual[i, j], Tolerance, $"{name}[{i},{j}]");
    }

    internal static double[,] ToMatrix(double[][] rows)
    {
        var m = new double[rows.Length, rows.Length];
        for (var i = 0; i < rows.Length; i++)
            for (var j = 0; j < rows.Length; j++)
                m[i, j] = rows[i][j];
        return m;
    }

    internal static double[] RowOf(double[,] m, int i) => Enumerable.Range(0, m.GetLength(1)).Select(j => m[i, j]).ToArray();
}
