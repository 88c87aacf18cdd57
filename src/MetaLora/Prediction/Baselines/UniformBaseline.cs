using MetaLora.Repro.CodeIdentity;


namespace MetaLora.Prediction.Baselines;

/// <summary>
/// The uniform baseline (AdapterSoup's uniform soup): every other task's adapter weighs 1 / (N − 1),
/// the task's own 0, so it is held out exactly as in the predicted pipelines.
/// </summary>
[StageVariant(BaselineNames.Parameter, BaselineNames.Uniform)]
internal static class UniformBaseline
{
    /// <summary>The N x N coefficient matrix: 1 / (N − 1) off the diagonal, 0 on it.</summary>
    public static double[,] Coefficients(int n)
    {
        var c = new double[n, n];
        if (n < 2) return c;
        var w = 1.0 / (n - 1);
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
                c[i, j] = i == j ? 0 : w;
        return c;
    }
}
