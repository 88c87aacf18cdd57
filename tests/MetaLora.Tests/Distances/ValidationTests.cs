using MetaLora.Distances;


namespace MetaLora.Tests.Distances;

public sealed class ValidationTests
{
    [Theory]
    [InlineData(Metric.WD)]
    [InlineData(Metric.KL)]
    [InlineData(Metric.JS)]
    [InlineData(Metric.MMD)]
    public void Id_outside_the_vocabulary_names_task_and_id(Metric metric)
    {
        var e = Assert.Throws<BadInputException>(() =>
            DistanceMatrix.Compute(metric, [[1, 2], [3, 100, 4]], ["good", "squad_v2"], 100, 0));
        Assert.Contains("squad_v2", e.Message);
        Assert.Contains("100", e.Message);
        Assert.Contains("position 1", e.Message);
    }

    [Fact]
    public void Negative_id_is_rejected() =>
        Assert.Contains("-1", Assert.Throws<BadInputException>(() =>
            DistanceMatrix.Compute(Metric.KL, [[-1]], ["neg"], 10, 0)).Message);

    [Fact]
    public void Empty_task_is_rejected() =>
        Assert.Contains("'hollow' has no tokens", Assert.Throws<BadInputException>(() =>
            DistanceMatrix.Compute(Metric.WD, [[1], []], ["full", "hollow"], 10, 0)).Message);

    [Fact]
    public void Duplicate_names_are_rejected() =>
        Assert.Contains("'twin'", Assert.Throws<BadInputException>(() =>
            DistanceMatrix.Compute(Metric.JS, [[1], [2]], ["twin", "twin"], 10, 0)).Message);

    [Fact]
    public void Vocabulary_needs_two_ids() =>
        Assert.Throws<BadInputException>(() => DistanceMatrix.Compute(Metric.JS, [[0]], ["one"], 1, 0));

    [Fact]
    public void Names_and_tasks_must_pair_up() =>
        Assert.Throws<ArgumentException>(() => DistanceMatrix.Compute(Metric.JS, [[0]], ["a", "b"], 10, 0));

    [Theory]
    [InlineData("all", new[] { Metric.WD, Metric.KL, Metric.JS, Metric.MMD })]
    [InlineData("ALL", new[] { Metric.WD, Metric.KL, Metric.JS, Metric.MMD })]
    [InlineData("kl", new[] { Metric.KL })]
    [InlineData("mmd, js,WD,wd", new[] { Metric.WD, Metric.JS, Metric.MMD })]
    [InlineData("JS,all", new[] { Metric.WD, Metric.KL, Metric.JS, Metric.MMD })]
    public void Metric_names_parse_to_canonical_order(string text, Metric[] expected) =>
        Assert.Equal(expected, MetricNames.Parse(text));

    [Theory]
    [InlineData("cosine")]
    [InlineData("")]
    [InlineData("KL,,JS")]
    [InlineData("2")]
    public void Unknown_metric_lists_the_valid_names(string text)
    {
        var e = Assert.Throws<BadInputException>(() => MetricNames.Parse(text));
        Assert.Contains("WD, KL, JS, MMD, all", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
