using MetaLora.Repro.CodeIdentity;


namespace MetaLora.Prediction.Coefficients;

/// <summary>The paper's base_version: coefficients are the softmin of the raw distances, C = softmin(D).</summary>
[StageVariant(CoefficientModelNames.Parameter, CoefficientModelNames.BaseVersion)]
public static class BaseVersion
{
    /// <summary>N x N coefficients for the bank's own tasks; C[i][i] = 0 (a task does not use its own adapter).</summary>
    public static double[,] Coefficients(double[,] distances)
    {
        DistanceInput.CheckSquare(distances);
        return Softmin.Rows(distances);
    }

    /// <summary>
    /// Coefficients over the N bank tasks for a dataset with these distances to them. For bank task i,
    /// pass its row of D and <paramref name="self"/> = i to get row i of <see cref="Coefficients"/>.
    /// </summary>
    public static double[] Row(ReadOnlySpan<double> distances, int self = -1)
    {
        DistanceInput.CheckRow(distances);
        return Softmin.Row(distances, self);
    }
}
