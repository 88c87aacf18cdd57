namespace MetaLora.Prediction.Coefficients;

/// <summary>A square matrix transformed row by row, each row through a function of spans.</summary>
internal static class SquareRows
{
    /// <summary>
    /// The n x n matrix whose row i is what <paramref name="map"/> writes for row i of
    /// <paramref name="matrix"/> (given with its index); the caller has checked the shape.
    /// </summary>
    public static double[,] Map(double[,] matrix, Action<ReadOnlySpan<double>, Span<double>, int> map)
    {
        var n = matrix.GetLength(0);
        var result = new double[n, n];
        var row = new double[n];
        var mapped = new double[n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
                row[j] = matrix[i, j];
            map(row, mapped, i);
            for (var j = 0; j < n; j++)
                result[i, j] = mapped[j];
        }
        return result;
    }
}
