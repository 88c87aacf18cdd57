namespace MetaLora.Prediction.Coefficients;

/// <summary>
/// Softmin of scores (distances, or the MLP's outputs): weights exp(-s) normalised to sum to 1.
/// The paper gives a task no weight on itself, i.e. its own score counts as +inf.
/// </summary>
public static class Softmin
{
    /// <summary>
    /// C[i][j] = exp(-S[i][j]) / Σ_{k≠i} exp(-S[i][k]) for j ≠ i, and C[i][i] = 0 (the diagonal of S is ignored).
    /// </summary>
    public static double[,] Rows(double[,] scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        var n = scores.GetLength(0);
        if (scores.GetLength(1) != n)
            throw new ArgumentException($"scores must be square, got {n} x {scores.GetLength(1)}", nameof(scores));
        return SquareRows.Map(scores, static (row, weights, i) => Row(row, weights, exclude: i));
    }

    /// <summary>Softmin over all entries but <paramref name="exclude"/> (which gets 0); -1 excludes none.</summary>
    public static double[] Row(ReadOnlySpan<double> scores, int exclude = -1)
    {
        var weights = new double[scores.Length];
        Row(scores, weights, exclude);
        return weights;
    }

    /// <summary>
    /// Writes the softmin of <paramref name="scores"/> into <paramref name="weights"/>. Scores must be
    /// finite or +inf (weight 0), with at least one finite score besides <paramref name="exclude"/>.
    /// </summary>
    public static void Row(ReadOnlySpan<double> scores, Span<double> weights, int exclude = -1)
    {
        if (weights.Length != scores.Length)
            throw new ArgumentException($"{scores.Length} scores but {weights.Length} weights", nameof(weights));
        if (exclude < -1 || exclude >= scores.Length)
            throw new ArgumentOutOfRangeException(nameof(exclude), exclude, $"must be -1 or an index below {scores.Length}");

        var min = double.PositiveInfinity;
        for (var j = 0; j < scores.Length; j++)
        {
            if (j == exclude) continue;
            var s = scores[j];
            if (double.IsNaN(s) || double.IsNegativeInfinity(s))
                throw new ArgumentException($"score {j} is {s}; softmin needs finite scores or +inf", nameof(scores));
            min = Math.Min(min, s);
        }
        if (!double.IsFinite(min))
            throw new ArgumentException("softmin needs at least one finite score besides the excluded one", nameof(scores));

        // Shifting by the minimum changes nothing mathematically but keeps exp in range: the smallest
        // score gets exp(0) = 1, so the sum is at least 1 and never overflows.
        var sum = 0.0;
        for (var j = 0; j < scores.Length; j++)
        {
            weights[j] = j == exclude ? 0 : Math.Exp(min - scores[j]);
            sum += weights[j];
        }
        for (var j = 0; j < scores.Length; j++)
            weights[j] /= sum;
    }
}
