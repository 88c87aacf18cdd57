using MetaLora.Evaluation;

namespace MetaLora.Tests.Evaluation;

public sealed class SampleScoresTests
{
    [Theory]
    [InlineData("Positive", "Positive", 1, 1)]
    [InlineData(" Positive\n", "Positive", 0, 1)] // raw strings: no trimming
    [InlineData("positive", "Positive", 0, 0)] // no case folding
    [InlineData("The answer is Positive.", "Positive", 0, 1)]
    [InlineData("Posit", "Positive", 0, 0)]
    [InlineData("anything", "", 0, 1)] // "" occurs in every string, as Python's `in` says
    [InlineData("", "", 1, 1)]
    public void Exact_and_subsequence_match(string prediction, string reference, double exact, double subsequence)
    {
        var s = SampleScores.Of(prediction, reference);
        Assert.Equal(exact, s.ExactMatch);
        Assert.Equal(subsequence, s.SubsequenceMatch);
    }

    [Fact]
    public void Rouge_scores_are_the_f_measures()
    {
        var s = SampleScores.Of("testing two", "testing one two");
        Assert.Equal(0.8, s.RougeL, 15); // p = 1, r = 2/3
        Assert.Equal(0.8, s.RougeLsum, 15);
    }

    [Fact]
    public void With_several_references_each_score_takes_its_best()
    {
        // exact_match comes from the second reference, rougeL from the first: the maxima are independent.
        var s = SampleScores.Of("alpha beta gamma", ["alpha beta gamma delta", "alpha beta gamma", "zeta"]);
        Assert.Equal(1, s.ExactMatch);
        Assert.Equal(1, s.SubsequenceMatch);
        Assert.Equal(1, s.RougeL);
        var t = SampleScores.Of("alpha beta", ["zeta", "alpha beta gamma delta"]);
        Assert.Equal(0, t.ExactMatch);
        Assert.Equal(SampleScores.Of("alpha beta", "alpha beta gamma delta").RougeL, t.RougeL);
        Assert.Equal(SampleScores.Of("x", ["y"]), SampleScores.Of("x", "y"));
    }

    [Fact]
    public void Mean_is_the_plain_mean()
    {
        var mean = SampleScores.Mean([new(1, 1, 0.5, 0.25), new(0, 1, 0.25, 0.5), new(0, 0, 0, 0)]);
        Assert.Equal(new SampleScores(1.0 / 3, 2.0 / 3, 0.25, 0.25), mean);
    }
}
