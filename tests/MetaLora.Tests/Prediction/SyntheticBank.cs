namespace MetaLora.Tests.Prediction;

/// <summary>Small banks with known structure for the coefficient models.</summary>
internal static class SyntheticBank
{
    /// <summary>
    /// Tasks in clusters: a task's adapter is its cluster's centroid plus a little noise, and distances are
    /// small within a cluster and large across, so mixing same-cluster adapters reconstructs a task well.
    /// </summary>
    public static (double[,] Distances, double[,] Adapters) Clustered(int tasks, int clusters, int parameters, int seed)
    {
        var random = new Random(seed);
        var centroids = new double[clusters, parameters];
        for (var c = 0; c < clusters; c++)
            for (var p = 0; p < parameters; p++)
                centroids[c, p] = Normal(random);
        var adapters = new double[tasks, parameters];
        for (var t = 0; t < tasks; t++)
            for (var p = 0; p < parameters; p++)
                adapters[t, p] = centroids[t % clusters, p] + 0.1 * Normal(random);
        var distances = new double[tasks, tasks];
        for (var i = 0; i < tasks; i++)
            for (var j = 0; j < tasks; j++)
                if (i != j)
                    distances[i, j] = (i % clusters == j % clusters ? 0.2 : 2.0) + 0.1 * random.NextDouble();
        return (distances, adapters);
    }

    public static double[,] Random(int rows, int columns, int seed)
    {
        var random = new Random(seed);
        var m = new double[rows, columns];
        for (var i = 0; i < rows; i++)
            for (var j = 0; j < columns; j++)
                m[i, j] = Normal(random);
        return m;
    }

    /// <summary>Distances |x|, x ~ N(0, 1), with a zero diagonal.</summary>
    public static double[,] Distances(int tasks, int seed)
    {
        var d = Random(tasks, tasks, seed);
        for (var i = 0; i < tasks; i++)
            for (var j = 0; j < tasks; j++)
                d[i, j] = i == j ? 0 : Math.Abs(d[i, j]);
        return d;
    }

    /// <summary>G = A Aᵀ.</summary>
    public static double[,] Gram(double[,] a)
    {
        var n = a.GetLength(0);
        var p = a.GetLength(1);
        var g = new double[n, n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
            {
                var sum = 0.0;
                for (var k = 0; k < p; k++)
                    sum += a[i, k] * a[j, k];
                g[i, j] = sum;
            }
        return g;
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
