using MetaLora.Distances;


namespace MetaLora.Tests.Distances;

public sealed class HandCheckedTests
{
    private static double[,] Compute(Metric metric, int vocab, params int[][] tasks) =>
        DistanceMatrix.Compute(metric, tasks, tasks.Select((_, i) => $"t{i}").ToArray(), vocab, seed: 0);

    [Fact]
    public void WD_of_shifted_pairs_is_the_shift()
    {
        var wd = Compute(Metric.WD, 10, [0, 1], [1, 2], [5, 6]);
        Assert.Equal(1.0, wd[0, 1]);
        Assert.Equal(5.0, wd[0, 2]);
        Assert.Equal(4.0, wd[1, 2]);
    }

    [Fact]
    public void WD_treats_the_last_two_ids_as_distinct_numbers()
    {
        // They share a histogram bin, but WD works on the ids themselves.
        var wd = Compute(Metric.WD, 50, [48], [49], [0, 49]);
        Assert.Equal(1.0, wd[0, 1]);
        Assert.Equal(24.5, wd[2, 1]); // half the mass moves 49
    }

    [Fact]
    public void WD_is_exact_for_unequal_lengths()
    {
        // F_a jumps to 1/3 at 0 and 1 at 3; F_b to 1 at 2: integral = 2 * 1/3 + 1 * 0 ... computed by hand:
        // on [0,2): |1/3 - 0| = 1/3 -> 2/3; on [2,3): |1/3 - 1| = 2/3 -> 2/3. Total 4/3.
        var wd = Compute(Metric.WD, 10, [0, 3, 3], [2]);
        Assert.Equal(4.0 / 3.0, wd[0, 1], 15);
    }

    [Fact]
    public void KL_of_single_tokens_in_different_bins()
    {
        // p = (1 + e) at one bin and e elsewhere; q puts its 1 elsewhere. With e = 1e-10 and 9 bins:
        // KL = (1 + e) log((1 + e) / e) + e log(e / (1 + e)) + 7 * 0.
        const double e = 1e-10;
        var expected = (1 + e) * Math.Log((1 + e) / e) + e * Math.Log(e / (1 + e));
        var kl = Compute(Metric.KL, 10, [0], [1]);
        Close.Equal(expected, kl[0, 1], 1e-12, "KL");
        Close.Equal(expected, kl[1, 0], 1e-12, "KL reversed");
    }

    [Fact]
    public void KL_and_JS_see_the_last_two_ids_as_one_bin()
    {
        var kl = Compute(Metric.KL, 50, [48], [49], [48, 49]);
        var js = Compute(Metric.JS, 50, [48], [49], [48, 49]);
        foreach (var m in new[] { kl, js })
            for (var i = 0; i < 3; i++)
                for (var j = 0; j < 3; j++)
                    Assert.Equal(0.0, m[i, j]);
    }

    [Fact]
    public void KL_is_asymmetric_with_row_as_the_adapted_dataset()
    {
        int[] a = [0, 0, 0, 1], b = [0, 1, 1, 1, 2, 2];
        const double e = 1e-10;
        double[] p = [0.75 + e, 0.25 + e, e, e], q = [1.0 / 6 + e, 0.5 + e, 1.0 / 3 + e, e];
        var expected = p.Zip(q).Sum(t => t.First * Math.Log(t.First / t.Second));
        var kl = Compute(Metric.KL, 5, a, b);
        Close.Equal(expected, kl[0, 1], 1e-12, "KL(a||b)");
        Assert.NotEqual(kl[0, 1], kl[1, 0]);
    }

    [Fact]
    public void JS_of_disjoint_single_tokens_is_nearly_log_2()
    {
        var js = Compute(Metric.JS, 10, [0], [5]);
        Close.Equal(Math.Log(2), js[0, 1], 1e-8, "JS");
        Assert.Equal(js[0, 1], js[1, 0]);
    }

    [Theory]
    [InlineData(Metric.WD)]
    [InlineData(Metric.KL)]
    [InlineData(Metric.JS)]
    [InlineData(Metric.MMD)]
    public void Identical_tasks_are_at_distance_zero(Metric metric)
    {
        var d = Compute(metric, 100, [3, 1, 4, 1, 5, 9, 2, 6], [9, 6, 5, 4, 3, 2, 1, 1], [7, 7, 7]);
        Assert.Equal(0.0, d[0, 0]);
        Assert.Equal(0.0, d[1, 1]);
        if (metric != Metric.MMD) // MMD compares two random samples, which differ
            Assert.Equal(0.0, d[0, 1]);
    }

    [Fact]
    public void A_single_task_gives_a_one_by_one_zero_matrix()
    {
        foreach (var metric in Enum.GetValues<Metric>())
        {
            var d = Compute(metric, 10, [1, 2, 3]);
            Assert.Equal(1, d.GetLength(0));
            Assert.Equal(0.0, d[0, 0]);
        }
    }

    [Fact]
    public void No_tasks_give_an_empty_matrix() =>
        Assert.Empty(DistanceMatrix.Compute(Metric.KL, [], [], 10, 0));
}
