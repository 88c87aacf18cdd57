namespace MetaLora.Bank.Embedded;

/// <summary>
/// A minimal Rouge-L F-measure for the embedded bank's own check: rouge_score's tokenisation (lowercase,
/// anything but [a-z0-9] is a separator) and the longest common subsequence, without stemming. Kept
/// apart from the pipeline's scorer on purpose, so that the exact rouge_score port can replace it.
/// </summary>
public static class SimpleRougeL
{
    public static double FMeasure(string reference, string prediction)
    {
        var r = Tokens(reference);
        var p = Tokens(prediction);
        if (r.Length == 0 || p.Length == 0) return 0;
        var lcs = Lcs(r, p);
        if (lcs == 0) return 0;
        double precision = (double)lcs / p.Length, recall = (double)lcs / r.Length;
        return 2 * precision * recall / (precision + recall);
    }

    internal static string[] Tokens(string text)
    {
        var chars = text.ToLowerInvariant().Select(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' ? c : ' ').ToArray();
        return new string(chars).Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    private static int Lcs(string[] a, string[] b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        foreach (var x in a)
        {
            for (var j = 1; j <= b.Length; j++)
                current[j] = x == b[j - 1] ? previous[j - 1] + 1 : Math.Max(previous[j], current[j - 1]);
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
