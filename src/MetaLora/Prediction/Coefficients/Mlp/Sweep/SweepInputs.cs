using MetaLora.Repro.CodeIdentity;


namespace MetaLora.Prediction.Coefficients.Mlp.Sweep;

/// <summary>
/// f's inputs in ascending order, sorted once (they stay fixed across training steps), and split into a
/// fixed number of contiguous chunks that the sweep processes in parallel. The chunking depends on the
/// number of inputs only, never on the thread count, so results have the same bits on any machine
/// load and thread count.
/// </summary>
[StageVariant(MlpEngineNames.Parameter, MlpEngineNames.Sweep)]
internal sealed class SweepInputs
{
    /// <summary>Inputs per chunk, about: enough that a chunk's fresh start (O(H²)) is a small share of its work.</summary>
    private const int ChunkTarget = 8192;

    /// <summary>At most this many chunks: ample for load balancing on a few cores.</summary>
    private const int MaxChunks = 16;

    /// <param name="values">f's inputs, in any order; finite.</param>
    /// <param name="chunks">How many chunks; 0 picks a count from the number of inputs alone.</param>
    public SweepInputs(ReadOnlySpan<double> values, int chunks = 0)
    {
        var n = values.Length;
        if (n == 0) throw new ArgumentException("f needs at least one input", nameof(values));
        foreach (var v in values)
            if (!double.IsFinite(v))
                throw new ArgumentException($"f's inputs must be finite, got {v}", nameof(values));
        var x = values.ToArray();
        Order = new int[n];
        for (var i = 0; i < n; i++) Order[i] = i;
        // Ascending value, ties by position: a stable order, so equal inputs keep theirs.
        Array.Sort(Order, (p, q) => x[p] != x[q] ? x[p].CompareTo(x[q]) : p.CompareTo(q));
        X = new double[n];
        for (var i = 0; i < n; i++) X[i] = x[Order[i]];
        var count = chunks > 0 ? Math.Min(chunks, n) : Math.Clamp((n + ChunkTarget - 1) / ChunkTarget, 1, MaxChunks);
        Starts = new int[count + 1];
        for (var c = 0; c <= count; c++) Starts[c] = (int)((long)n * c / count);
    }

    /// <summary>The inputs, ascending.</summary>
    public double[] X { get; }

    /// <summary>Order[i] is the position in the given order of the i-th smallest input.</summary>
    public int[] Order { get; }

    /// <summary>Chunk c is X[Starts[c]..Starts[c + 1]].</summary>
    public int[] Starts { get; }

    public int Count => X.Length;

    public int Chunks => Starts.Length - 1;

    /// <summary>Values in sorted order back to the given order.</summary>
    public double[] Unsort(ReadOnlySpan<double> sorted)
    {
        var result = new double[sorted.Length];
        for (var i = 0; i < sorted.Length; i++) result[Order[i]] = sorted[i];
        return result;
    }

    /// <summary>Values in the given order into sorted order.</summary>
    public double[] Sort(ReadOnlySpan<double> given)
    {
        var result = new double[given.Length];
        for (var i = 0; i < given.Length; i++) result[i] = given[Order[i]];
        return result;
    }
}
