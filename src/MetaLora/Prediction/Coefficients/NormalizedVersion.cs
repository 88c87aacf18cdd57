using MetaLora.Repro.CodeIdentity;


namespace MetaLora.Prediction.Coefficients;

/// <summary>
/// The paper's normalized_version: each row of D is standardised, then C = softmin of the standardised
/// rows. This makes the coefficients independent of a metric's scale and offset, which differ by
/// orders of magnitude between metrics.
/// </summary>
[StageVariant(CoefficientModelNames.Parameter, CoefficientModelNames.NormalizedVersion)]
public static class NormalizedVersion
{
    /// <summary>2^-52, NumPy's finfo(float64).eps (not .NET's double.Epsilon, the smallest subnormal).</summary>
    private const double MachineEpsilon = 2.220446049250313e-16;

    /// <summary>N x N coefficients for the bank's own tasks; C[i][i] = 0.</summary>
    public static double[,] Coefficients(double[,] distances) => Softmin.Rows(Standardize(distances));

    /// <summary>
    /// Coefficients over the N bank tasks for a dataset with these distances to them: the row is
    /// standardised over all its entries, then softmin. For bank task i, pass row i of D (diagonal
    /// included, as it is part of the row's statistics) and <paramref name="self"/> = i to get row i of
    /// <see cref="Coefficients"/>.
    /// </summary>
    public static double[] Row(ReadOnlySpan<double> distances, int self = -1) => Softmin.Row(StandardizeRow(distances), self);

    /// <summary>
    /// Z[i][j] = (D[i][j] - mean_i) / std_i with the mean and population std of the whole row i, diagonal
    /// included: scikit-learn's StandardScaler().fit_transform(D.T).T.
    /// </summary>
    public static double[,] Standardize(double[,] distances)
    {
        DistanceInput.CheckSquare(distances);
        return SquareRows.Map(distances, static (row, z, _) => StandardizeRow(row, z));
    }

    public static double[] StandardizeRow(ReadOnlySpan<double> row)
    {
        var z = new double[row.Length];
        StandardizeRow(row, z);
        return z;
    }

    public static void StandardizeRow(ReadOnlySpan<double> row, Span<double> z)
    {
        DistanceInput.CheckRow(row);
        if (z.Length != row.Length)
            throw new ArgumentException($"{row.Length} distances but {z.Length} outputs", nameof(z));
        var n = row.Length;
        var sum = 0.0;
        foreach (var x in row)
            sum += x;
        var mean = sum / n;

        // Two passes with a correction term for the rounding error of the mean (Chan, Golub, LeVeque).
        var squares = 0.0;
        var correction = 0.0;
        foreach (var x in row)
        {
            var d = x - mean;
            squares += d * d;
            correction += d;
        }
        var variance = Math.Max(0, (squares - correction * correction / n) / n);

        // A row whose variance is within rounding of zero is constant and only centred (scale 1), as in
        // scikit-learn; dividing by its noise-level std would turn rounding errors into large values.
        var bound = n * MachineEpsilon * variance + Math.Pow(n * mean * MachineEpsilon, 2);
        var scale = variance <= bound ? 1.0 : Math.Sqrt(variance);
        for (var j = 0; j < n; j++)
            z[j] = (row[j] - mean) / scale;
    }
}
