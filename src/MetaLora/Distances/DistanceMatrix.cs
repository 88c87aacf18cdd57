using System.Numerics.Tensors;

namespace MetaLora.Distances;

/// <summary>All-pairs distances between tasks given as token-id arrays.</summary>
public static class DistanceMatrix
{
    /// <summary>
    /// The N x N matrix of <paramref name="metric"/> between every pair of tasks, computed in parallel.
    /// Entry [i, j] is the distance of task i from task j (only KL is asymmetric); the diagonal is 0.
    /// Results are bit-identical whatever the number of threads: every entry is summed by one thread
    /// in a fixed order.
    /// </summary>
    /// <param name="metric">The distance to compute.</param>
    /// <param name="tokens">Each task's token ids, all below <paramref name="vocabSize"/>.</param>
    /// <param name="names">Each task's name, in the order of <paramref name="tokens"/>.</param>
    /// <param name="vocabSize">Size of the tokenizer's vocabulary: the histograms' length.</param>
    /// <param name="seed">Seeds MMD's sampling (with the two task names); other metrics ignore it.</param>
    /// <param name="progress">Receives rows done so far, rising to N (work is done in tiles, so this is the
    /// equivalent number of rows rather than specific rows).</param>
    public static double[,] Compute(Metric metric, IReadOnlyList<int[]> tokens, IReadOnlyList<string> names, int vocabSize, ulong seed, IProgress<int>? progress = null) =>
        Compute(metric, tokens, names, vocabSize, seed, Lanes.Widest, progress);

    /// <summary>
    /// As above, with the kernels running on vectors of <paramref name="width"/> (which should run natively
    /// here, see <see cref="Lanes.Available"/>); the width only changes speed, see <see cref="Lanes.Accumulate{V, TSummand}(Span{double}, int, int, TSummand)"/>.
    /// </summary>
    internal static double[,] Compute(Metric metric, IReadOnlyList<int[]> tokens, IReadOnlyList<string> names, int vocabSize, ulong seed, SimdWidth width, IProgress<int>? progress = null)
    {
        Validate(tokens, names, vocabSize);
        if (tokens.Count == 0)
            return new double[0, 0];
        return metric switch
        {
            Metric.WD => WD.Matrix(tokens, vocabSize, progress, width),
            Metric.KL => KL.Matrix(tokens, vocabSize, progress, width),
            Metric.JS => JS.Matrix(tokens, vocabSize, progress, width),
            Metric.MMD => MMD.Matrix(tokens, names, vocabSize, seed, progress, width),
            _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, null),
        };
    }

    private static void Validate(IReadOnlyList<int[]> tokens, IReadOnlyList<string> names, int vocabSize)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(names);
        if (tokens.Count != names.Count)
            throw new ArgumentException($"{tokens.Count} token arrays but {names.Count} names", nameof(names));
        if (vocabSize < 2)
            throw new BadInputException($"vocabulary size must be at least 2, got {vocabSize}");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < tokens.Count; i++)
        {
            var name = names[i];
            if (!seen.Add(name))
                throw new BadInputException($"task name '{name}' occurs more than once");
            var ids = tokens[i];
            if (ids is null || ids.Length == 0)
                throw new BadInputException($"task '{name}' has no tokens");
            var at = OutsideVocabulary(ids, vocabSize);
            if (at >= 0)
                throw new BadInputException($"task '{name}': token id {ids[at]} at position {at} is outside the vocabulary [0, {vocabSize})");
        }
    }

    /// <summary>The position of the first id outside [0, <paramref name="vocabSize"/>), or -1.</summary>
    public static int OutsideVocabulary(ReadOnlySpan<int> ids, int vocabSize)
    {
        // Vectorised min/max first; the slow scan only runs to name the culprit.
        if (ids.IsEmpty || (TensorPrimitives.Min(ids) >= 0 && TensorPrimitives.Max(ids) < vocabSize))
            return -1;
        for (var i = 0; i < ids.Length; i++)
            if (ids[i] < 0 || ids[i] >= vocabSize) return i;
        return -1;
    }
}
