namespace MetaLora.Prediction.Coefficients;

/// <summary>
/// Shape and value checks shared by the coefficient models. Kept beside <see cref="Softmin"/> because
/// every model depends on this file anyway (the pipeline tracks each model's source files).
/// </summary>
internal static class DistanceInput
{
    public static void CheckSquare(double[,] distances)
    {
        ArgumentNullException.ThrowIfNull(distances);
        var n = distances.GetLength(0);
        if (distances.GetLength(1) != n)
            throw new ArgumentException($"distances must be square, got {n} x {distances.GetLength(1)}", nameof(distances));
        if (n < 2)
            throw new ArgumentException($"coefficients need at least two tasks, got {n}", nameof(distances));
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
                if (!double.IsFinite(distances[i, j]))
                    throw new ArgumentException($"distance [{i}, {j}] is {distances[i, j]}; distances must be finite", nameof(distances));
    }

    public static void CheckRow(ReadOnlySpan<double> distances)
    {
        if (distances.Length == 0)
            throw new ArgumentException("no distances: the bank has no tasks", nameof(distances));
        for (var j = 0; j < distances.Length; j++)
            if (!double.IsFinite(distances[j]))
                throw new ArgumentException($"distance {j} is {distances[j]}; distances must be finite", nameof(distances));
    }
}
