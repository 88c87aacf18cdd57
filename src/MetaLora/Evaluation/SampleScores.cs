namespace MetaLora.Evaluation;

/// <summary>
/// The four scores of one prediction (defined in docs/scores.md), each in [0, 1]: exact_match,
/// subsequence_match, and the F-measures of rougeL and rougeLsum.
/// </summary>
internal readonly record struct SampleScores(double ExactMatch, double SubsequenceMatch, double RougeL, double RougeLsum)
{
    /// <summary>The scores' names, in the order of <see cref="Values"/>, as the paper's tables name them.</summary>
    public static readonly IReadOnlyList<string> Names = ["exact_match", "subsequence_match", "rougeL", "rougeLsum"];

    public double[] Values => [ExactMatch, SubsequenceMatch, RougeL, RougeLsum];

    /// <summary>
    /// Scores of <paramref name="prediction"/> against one reference. exact_match is
    /// prediction == reference and subsequence_match is "reference occurs in prediction", both on the
    /// raw strings (ordinal: no trimming, no case folding), as docs/scores.md defines them and as Python's
    /// <c>==</c> and <c>in</c> compare; an empty reference therefore occurs in every prediction.
    /// </summary>
    public static SampleScores Of(string prediction, string reference)
    {
        var (l, lsum) = Rouge.Both(reference, prediction);
        return new SampleScores(
            string.Equals(prediction, reference, StringComparison.Ordinal) ? 1 : 0,
            prediction.Contains(reference, StringComparison.Ordinal) ? 1 : 0,
            l.FMeasure,
            lsum.FMeasure);
    }

    /// <summary>
    /// Scores against several acceptable references: each score is its maximum over the references,
    /// as rouge_score's <c>score_multi</c> (the reference with the best F-measure, per ROUGE type) and
    /// Natural Instructions' <c>metric_max_over_ground_truths</c> take it.
    /// </summary>
    public static SampleScores Of(string prediction, IReadOnlyList<string> references)
    {
        if (references.Count == 0) throw new ArgumentException("at least one reference is needed", nameof(references));
        var best = Of(prediction, references[0]);
        for (var i = 1; i < references.Count; i++)
        {
            var s = Of(prediction, references[i]);
            best = new SampleScores(
                Math.Max(best.ExactMatch, s.ExactMatch),
                Math.Max(best.SubsequenceMatch, s.SubsequenceMatch),
                Math.Max(best.RougeL, s.RougeL),
                Math.Max(best.RougeLsum, s.RougeLsum));
        }
        return best;
    }

    /// <summary>The plain mean of each score (the paper reports HF evaluate's bootstrap mid-point instead).</summary>
    public static SampleScores Mean(IReadOnlyList<SampleScores> scores)
    {
        if (scores.Count == 0) throw new ArgumentException("no scores to average", nameof(scores));
        double em = 0, sub = 0, l = 0, lsum = 0;
        foreach (var s in scores)
        {
            em += s.ExactMatch;
            sub += s.SubsequenceMatch;
            l += s.RougeL;
            lsum += s.RougeLsum;
        }
        var n = scores.Count;
        return new SampleScores(em / n, sub / n, l / n, lsum / n);
    }
}
