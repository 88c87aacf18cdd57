namespace MetaLora.Evaluation;

/// <summary>
/// rougeL and rougeLsum as Google's rouge_score computes them with <c>use_stemmer=True</c>
/// (<see cref="RougeTokenizer"/>); <c>target</c> is the reference text.
/// </summary>
internal static class Rouge
{
    /// <summary>
    /// rougeL: LCS of the two token sequences; precision = lcs / prediction tokens, recall = lcs /
    /// target tokens; all zero when either side has no tokens.
    /// </summary>
    public static RougeScore L(string target, string prediction) => Both(target, prediction).L;

    /// <summary>rougeLsum: summary-level union LCS over the texts' lines (see <see cref="SummaryLevel"/>).</summary>
    public static RougeScore LSum(string target, string prediction) => Both(target, prediction).LSum;

    /// <summary>
    /// Both scores from one tokenization. '\n' separates tokens, so the whole text's tokens (rougeL)
    /// are exactly its lines' tokens (rougeLsum) concatenated.
    /// </summary>
    public static (RougeScore L, RougeScore LSum) Both(string target, string prediction)
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var t = TokenizedText.Of(target, ids);
        var p = TokenizedText.Of(prediction, ids);
        var l = t.All.Length == 0 || p.All.Length == 0
            ? default
            : RougeScore.From(Lcs.Length(t.All, p.All), p.All.Length, t.All.Length);
        return (l, SummaryLevel(t, p, ids.Count));
    }

    /// <summary>
    /// rouge_score's <c>_summary_level_lcs</c>: lines are split on "\n" and empty lines dropped (a
    /// line of spaces or punctuation stays, with no tokens). For each target line, the union of its
    /// positions on one LCS with each prediction line (<see cref="Lcs.MarkOne"/>) is counted as hits,
    /// each token at most as many times as it is still unused in both texts (ROUGE-1.5.5's guard
    /// against double counting). Precision = hits / prediction tokens, recall = hits / target tokens.
    /// </summary>
    private static RougeScore SummaryLevel(TokenizedText target, TokenizedText prediction, int vocabulary)
    {
        if (target.Lines.Count == 0 || prediction.Lines.Count == 0) return default;
        if (target.All.Length == 0 || prediction.All.Length == 0) return default;

        var leftInTarget = Counts(target.All, vocabulary);
        var leftInPrediction = Counts(prediction.All, vocabulary);
        var longest = 0;
        foreach (var line in target.Lines) longest = Math.Max(longest, target.Line(line).Length);
        Span<bool> buffer = longest <= 256 ? stackalloc bool[longest] : new bool[longest];
        var hits = 0;
        foreach (var line in target.Lines)
        {
            var r = target.Line(line);
            var union = buffer[..r.Length];
            union.Clear();
            foreach (var candidate in prediction.Lines)
                Lcs.MarkOne(r, prediction.Line(candidate), union);
            for (var i = 0; i < r.Length; i++)
            {
                if (!union[i]) continue;
                var token = r[i];
                if (leftInPrediction[token] > 0 && leftInTarget[token] > 0)
                {
                    hits++;
                    leftInPrediction[token]--;
                    leftInTarget[token]--;
                }
            }
        }
        return RougeScore.From(hits, prediction.All.Length, target.All.Length);
    }

    private static int[] Counts(ReadOnlySpan<int> tokens, int vocabulary)
    {
        var counts = new int[vocabulary];
        foreach (var t in tokens) counts[t]++;
        return counts;
    }
}
