using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;
using MetaLora.Repro;
using MetaLora.Repro.CodeIdentity;

namespace MetaLora.Distances;

/// <summary>
/// Maximum mean discrepancy between 1000 token ids drawn (uniformly, with replacement) from each task,
/// with the multiscale kernel k(d) = sum over a in {0.2, 0.5, 0.9, 1.3} of a^2 / (a^2 + d), d = (x - y)^2:
/// MMD = mean K_xx + mean K_yy - 2 mean K_xy. Each pair i &lt; j draws fresh samples from a generator
/// seeded by (seed, name_i, name_j), so an entry does not depend on which other tasks are present.
/// </summary>
[StageVariant(MetricNames.Parameter, MetricNames.MMD)]
internal static class MMD
{
    public const int SampleSize = 1000;

    private static readonly double[] Bandwidths = [0.2, 0.5, 0.9, 1.3];

    public static double[,] Matrix(IReadOnlyList<int[]> tokens, IReadOnlyList<string> names, int vocabSize, ulong seed, IProgress<int>? progress, SimdWidth width)
    {
        var table = KernelTable(vocabSize);
        var n = tokens.Count;
        var result = new double[n, n];
        PairTiles.Run(n, 1, () => new Scratch(vocabSize), (i, j, _, _, scratch) =>
        {
            var rng = new Xoshiro256(PairSeed(seed, names[i], names[j]));
            Sample(ref rng, tokens[i], scratch.X);
            Sample(ref rng, tokens[j], scratch.Y);
            result[i, j] = result[j, i] = FromSamples(scratch.X, scratch.Y, table, scratch, width);
        }, progress);
        return result;
    }

    public static double Kernel(double d)
    {
        var k = 0.0;
        foreach (var a in Bandwidths)
            k += a * a / (a * a + d);
        return k;
    }

    /// <summary>
    /// The kernel depends only on the integer distance between two ids, so it is tabulated once:
    /// table[delta] = k(delta^2) for delta in [0, V).
    /// </summary>
    public static double[] KernelTable(int vocabSize)
    {
        var table = new double[vocabSize];
        for (var delta = 0; delta < vocabSize; delta++)
            table[delta] = Kernel((double)delta * delta);
        return table;
    }

    public static void Sample(ref Xoshiro256 rng, ReadOnlySpan<int> tokens, Span<int> sample)
    {
        for (var a = 0; a < sample.Length; a++)
            sample[a] = tokens[(int)rng.NextBelow((ulong)tokens.Length)];
    }

    /// <summary>Seed of pair (i, j), i &lt; j, from the global seed and both names (order matters).</summary>
    public static ulong PairSeed(ulong seed, string first, string second) =>
        SplitMix64.Mix(SplitMix64.Mix(SplitMix64.Mix(seed) ^ Fnv1a(first)) ^ Fnv1a(second));

    /// <summary>Rows and columns of the quadratic form per cache block; a multiple of <see cref="Group"/>.</summary>
    private const int Tile = 128;

    /// <summary>
    /// Partial sums per row of the quadratic form (see <see cref="Lanes.Accumulate{V, TSummand}(Span{double}, int, int, TSummand)"/>), and the alignment
    /// of the part of each row summed in vectors.
    /// </summary>
    private const int Group = 8;

    /// <summary>
    /// MMD of two equal-size samples as the quadratic form c^T K c / n^2, where c is the histogram of x
    /// minus that of y over their distinct ids: the same sum as the three n x n kernel grids, with
    /// (distinct ids)^2 / 2 terms instead of 3 n^2. Ids with c = 0 add nothing and are dropped.
    /// </summary>
    public static double FromSamples(ReadOnlySpan<int> x, ReadOnlySpan<int> y, double[] table, Scratch scratch) =>
        FromSamples(x, y, table, scratch, Lanes.Widest);

    /// <summary>As above, with row sums in vectors of <paramref name="width"/>: the same bits at every width.</summary>
    public static double FromSamples(ReadOnlySpan<int> x, ReadOnlySpan<int> y, double[] table, Scratch scratch, SimdWidth width) =>
        // Group lanes are two 256-bit vectors per pass; .NET exposes no 512-bit gather to gain from anyway.
        Lanes.Dispatch<FromSamplesAt, double>(width, new(x, y, table, scratch), widest: SimdWidth.Bits256);

    private readonly ref struct FromSamplesAt(ReadOnlySpan<int> x, ReadOnlySpan<int> y, double[] table, Scratch scratch) : IWidthKernel<double>
    {
        private readonly ReadOnlySpan<int> _x = x;
        private readonly ReadOnlySpan<int> _y = y;

        public double Run<V>() where V : struct, IVector<V> => FromSamples<V>(_x, _y, table, scratch);
    }

    /// <remarks>
    /// Row a of the upper triangle is sum over b &gt; a of c_b k(id_b - id_a). Its first few terms, up to a
    /// multiple of <see cref="Group"/>, are summed scalar; the rest in aligned groups of gathered kernel
    /// values, as <see cref="Group"/> partial sums (see <see cref="Lanes.Accumulate{V, TSummand}(Span{double}, int, int, TSummand)"/>), in Tile x Tile
    /// blocks of the sorted ids, so each block gathers from a window of the table only about two blocks'
    /// id span wide (tens of KB) instead of all of it. Gathers bound the speed (about one element per
    /// cycle), not the accumulators' latency.
    /// </remarks>
    private static unsafe double FromSamples<V>(ReadOnlySpan<int> x, ReadOnlySpan<int> y, double[] table, Scratch scratch) where V : struct, IVector<V>
    {
        if (x.Length != y.Length)
            throw new ArgumentException("samples must have equal sizes", nameof(y));
        var distinct = scratch.Difference(x, y);
        var padded = AlignedAbove(distinct - 1);
        var head = scratch.Heads;
        var partials = scratch.Partials;
        Array.Clear(partials, 0, Group * distinct);
        var c = scratch.Coefficients;

        // Diagonal terms: k(0) c_u^2, whose sum of integers is exact.
        var squares = 0.0;
        foreach (var cu in c.AsSpan(0, distinct))
            squares += cu * cu;
        fixed (double* t = table)
        fixed (int* id = scratch.Ids)
        {
            for (var a = 0; a < distinct; a++)
            {
                var row = t - id[a];
                var sum = 0.0;
                for (var b = a + 1; b < Math.Min(AlignedAbove(a), distinct); b++)
                    sum = Lanes.MultiplyAdd(c[b], row[id[b]], sum);
                head[a] = sum;
            }
            for (var a0 = 0; a0 < distinct; a0 += Tile)
            {
                var a1 = Math.Min(distinct, a0 + Tile);
                for (var b0 = a0; b0 < padded; b0 += Tile)
                {
                    var b1 = Math.Min(padded, b0 + Tile);
                    for (var a = a0; a < a1; a++)
                    {
                        var from = Math.Max(b0, AlignedAbove(a));
                        if (from < b1)
                            Lanes.Accumulate<V, Terms>(partials.AsSpan(Group * a, Group), from, b1, new(t - id[a], id, c));
                    }
                }
            }
        }
        var offDiagonal = 0.0;
        for (var a = 0; a < distinct; a++)
            offDiagonal += c[a] * (Lanes.Sum(partials.AsSpan(Group * a, Group)) + head[a]);
        var n = (double)x.Length;
        return (table[0] * squares + 2 * offDiagonal) / (n * n);
    }

    /// <summary>The first multiple of <see cref="Group"/> greater than <paramref name="a"/>.</summary>
    private static int AlignedAbove(int a) => (a + Group) & ~(Group - 1);

    /// <summary>Terms c[b] row[id[b]].</summary>
    private readonly unsafe ref struct Terms(double* row, int* id, ReadOnlySpan<double> c) : ISummand
    {
        private readonly double* _row = row;
        private readonly int* _id = id;
        private readonly ReadOnlySpan<double> _c = c;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public V AddTo<V>(V sum, int offset) where V : struct, IVector<V> =>
            V.MultiplyAdd(V.Load(_c, offset), V.Gather(_row, _id + offset), sum);
    }

    private static ulong Fnv1a(string text)
    {
        var hash = 0xCBF29CE484222325UL;
        foreach (var b in Encoding.UTF8.GetBytes(text))
            hash = (hash ^ b) * 0x100000001B3UL;
        return hash;
    }

    /// <summary>Per-thread buffers, reused across pairs so the pair loop does not allocate.</summary>
    internal sealed class Scratch(int vocabSize)
    {
        public readonly int[] X = new int[SampleSize];
        public readonly int[] Y = new int[SampleSize];
        // Room for both samples' ids plus one group of padding.
        public readonly int[] Ids = new int[2 * SampleSize + Group];
        public readonly double[] Coefficients = new double[2 * SampleSize + Group];
        public readonly double[] Heads = new double[2 * SampleSize];
        // Group partial sums per distinct id.
        public readonly double[] Partials = new double[Group * 2 * SampleSize];
        // All zero between calls.
        private readonly int[] _count = new int[vocabSize];
        private readonly ulong[] _touched = new ulong[(vocabSize + 63) / 64];

        /// <summary>
        /// Fills Ids (ascending) and Coefficients with the ids whose count in x minus count in y is
        /// non-zero and returns how many; then pads to a multiple of 8 with the last id and coefficient 0.
        /// Sorted ids keep the gathers of <see cref="FromSamples{V}"/> local and in bounds.
        /// </summary>
        public int Difference(ReadOnlySpan<int> x, ReadOnlySpan<int> y)
        {
            if (x.Length + y.Length > 2 * SampleSize)
                throw new ArgumentException($"samples larger than {SampleSize} need a larger scratch");
            foreach (var v in x)
            {
                _count[v]++;
                _touched[v >> 6] |= 1UL << v;
            }
            foreach (var v in y)
            {
                _count[v]--;
                _touched[v >> 6] |= 1UL << v;
            }
            // Ids in ascending order from a bitmap of the touched ones, instead of sorting: plain
            // integer code, as fast without SIMD as with it.
            var kept = 0;
            for (var word = 0; word < _touched.Length; word++)
            {
                for (var bits = _touched[word]; bits != 0; bits &= bits - 1)
                {
                    var v = 64 * word + BitOperations.TrailingZeroCount(bits);
                    if (_count[v] != 0)
                    {
                        Ids[kept] = v;
                        Coefficients[kept++] = _count[v];
                        _count[v] = 0;
                    }
                }
                _touched[word] = 0;
            }
            for (var k = kept; k < AlignedAbove(kept - 1); k++)
            {
                Ids[k] = Ids[kept - 1];
                Coefficients[k] = 0;
            }
            return kept;
        }
    }
}
