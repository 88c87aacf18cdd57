using MetaLora.Evaluation;

namespace MetaLora.Bank.Embedded;

/// <summary>
/// The embedded bank's own quick check: Rouge-L F-measure on rouge_score's tokens without stemming
/// (<see cref="RougeTokenizer"/>, <see cref="Lcs"/>). The pipeline's scores (<see cref="Rouge"/>) stem;
/// this one is kept unstemmed so the bank's recorded numbers stay comparable.
/// </summary>
internal static class SimpleRougeL
{
    public static double FMeasure(string reference, string prediction)
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        int[] Ids(string text) => RougeTokenizer.Tokenize(text, stem: false)
            .Select(t => ids.TryGetValue(t, out var id) ? id : ids[t] = ids.Count).ToArray();
        var r = Ids(reference);
        var p = Ids(prediction);
        return r.Length == 0 || p.Length == 0 ? 0 : RougeScore.From(Lcs.Length(r, p), p.Length, r.Length).FMeasure;
    }
}
