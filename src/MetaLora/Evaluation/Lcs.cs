namespace MetaLora.Evaluation;

/// <summary>Longest common subsequences of token-id sequences, read out the way rouge_score reads them.</summary>
internal static class Lcs
{
    /// <summary>The LCS length, with two rows of the dynamic-programming table.</summary>
    public static int Length(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        if (a.IsEmpty || b.IsEmpty) return 0;
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

    /// <summary>
    /// Marks in <paramref name="inRef"/> the positions of <paramref name="reference"/> on one LCS with
    /// <paramref name="candidate"/>, chosen as rouge_score's <c>_backtrack_norec</c> chooses it: from the
    /// table's corner, equal tokens are taken at once; otherwise the walk moves along the candidate
    /// only when that neighbour is strictly larger, else along the reference. Which LCS is chosen
    /// matters for rougeLsum: the union over candidate sentences, and so the score, depends on it.
    /// </summary>
    public static void MarkOne(ReadOnlySpan<int> reference, ReadOnlySpan<int> candidate, Span<bool> inRef)
    {
        if (reference.IsEmpty || candidate.IsEmpty) return;
        var cols = candidate.Length + 1;
        var table = new int[(reference.Length + 1) * cols];
        for (var i = 1; i <= reference.Length; i++)
            for (var j = 1; j <= candidate.Length; j++)
                table[i * cols + j] = reference[i - 1] == candidate[j - 1]
                    ? table[(i - 1) * cols + j - 1] + 1
                    : Math.Max(table[(i - 1) * cols + j], table[i * cols + j - 1]);

        var r = reference.Length;
        var c = candidate.Length;
        while (r > 0 && c > 0)
        {
            if (reference[r - 1] == candidate[c - 1])
            {
                inRef[r - 1] = true;
                r--;
                c--;
            }
            else if (table[r * cols + c - 1] > table[(r - 1) * cols + c]) c--;
            else r--;
        }
    }
}
