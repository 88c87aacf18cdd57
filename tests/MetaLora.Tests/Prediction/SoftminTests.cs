using MetaLora.Prediction.Coefficients;
using MetaLora.Tests.Distances;

namespace MetaLora.Tests.Prediction;

public sealed class SoftminTests
{
    private static double[,] RandomMatrix(int n, int seed, double scale = 1)
    {
        var random = new Random(seed);
        var d = new double[n, n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
                d[i, j] = (random.NextDouble() - 0.3) * scale;
        return d;
    }

    [Theory]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(50)]
    public void RowsSumToOneWithAZeroDiagonal(int n)
    {
        var c = Softmin.Rows(RandomMatrix(n, n));
        for (var i = 0; i < n; i++)
        {
            Assert.Equal(0.0, c[i, i]);
            var sum = 0.0;
            for (var j = 0; j < n; j++)
            {
                Assert.True(c[i, j] >= 0);
                sum += c[i, j];
            }
            Close.Equal(1.0, sum, 1e-14, $"row {i}");
        }
    }

    [Fact]
    public void MatchesTheDefinition()
    {
        var s = RandomMatrix(5, 1);
        var c = Softmin.Rows(s);
        for (var i = 0; i < 5; i++)
        {
            var denominator = Enumerable.Range(0, 5).Where(k => k != i).Sum(k => Math.Exp(-s[i, k]));
            for (var j = 0; j < 5; j++)
                if (j != i)
                    Close.Equal(Math.Exp(-s[i, j]) / denominator, c[i, j], 1e-14, $"C[{i},{j}]");
        }
    }

    [Fact]
    public void TheDiagonalValueIsIgnored()
    {
        var s = RandomMatrix(6, 2);
        var before = Softmin.Rows(s);
        for (var i = 0; i < 6; i++)
            s[i, i] = -1e9 * (i + 1);
        Assert.Equal(before, Softmin.Rows(s));
    }

    [Fact]
    public void AddingAConstantToARowChangesNothing()
    {
        var s = RandomMatrix(6, 3);
        var before = Softmin.Rows(s);
        var shifts = new[] { 5.0, -1e3, 1e6, 0.125, -7.5, 300 };
        for (var i = 0; i < 6; i++)
            for (var j = 0; j < 6; j++)
                s[i, j] += shifts[i];
        var after = Softmin.Rows(s);
        for (var i = 0; i < 6; i++)
            for (var j = 0; j < 6; j++)
                Close.Equal(before[i, j], after[i, j], 1e-9, $"C[{i},{j}]");
    }

    [Fact]
    public void ExtremeValuesGiveNoNaNOrInfinity()
    {
        double[,] s =
        {
            { 0, 1e300, -1e300, 1e-300 },
            { -1e308, 0, 1e308, 5 },
            { 800, 801, 0, 799 },
            { -800, -801, -799, 0 },
        };
        var c = Softmin.Rows(s);
        for (var i = 0; i < 4; i++)
        {
            var sum = 0.0;
            for (var j = 0; j < 4; j++)
            {
                Assert.True(double.IsFinite(c[i, j]) && c[i, j] >= 0, $"C[{i},{j}] = {c[i, j]}");
                sum += c[i, j];
            }
            Close.Equal(1.0, sum, 1e-14, $"row {i}");
        }
        Assert.Equal(1.0, c[0, 2]);
        Assert.Equal(1.0, c[1, 0]);
        Close.Equal(1 / (1 + Math.Exp(-1) + Math.Exp(-2)), c[2, 3], 1e-14, "C[2,3]");
    }

    [Fact]
    public void InfiniteScoresGetNoWeight()
    {
        var c = Softmin.Row([1.0, double.PositiveInfinity, 1.0]);
        Assert.Equal([0.5, 0.0, 0.5], c);
    }

    [Fact]
    public void RowWithoutExclusionUsesEveryEntry()
    {
        var c = Softmin.Row([0.0, Math.Log(2), Math.Log(4)]);
        Close.Equal(4.0 / 7, c[0], 1e-15, "0");
        Close.Equal(2.0 / 7, c[1], 1e-15, "1");
        Close.Equal(1.0 / 7, c[2], 1e-15, "2");
    }

    [Fact]
    public void RejectsNaNAndRowsWithNothingToWeigh()
    {
        Assert.Throws<ArgumentException>(() => Softmin.Row([0.0, double.NaN]));
        Assert.Throws<ArgumentException>(() => Softmin.Row([0.0, double.NegativeInfinity]));
        Assert.Throws<ArgumentException>(() => Softmin.Row([0.0, double.PositiveInfinity], exclude: 0));
        Assert.Throws<ArgumentException>(() => Softmin.Row([3.0], exclude: 0));
    }
}
