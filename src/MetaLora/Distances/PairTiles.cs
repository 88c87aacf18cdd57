namespace MetaLora.Distances;

/// <summary>
/// Runs a kernel over every pair i &lt; j, cache-blocked: pairs are grouped into tiles of
/// <see cref="Block"/> x <see cref="Block"/> tasks and columns into chunks of <see cref="Chunk"/>, so a
/// tile's row chunks stay in L2 while they are reused by every pair of the tile. Tiles run in parallel;
/// each pair belongs to one tile and sees its chunks in ascending order, so sums are deterministic.
/// </summary>
internal static class PairTiles
{
    public const int Block = 32;
    public const int Chunk = 1024;

    /// <summary>Calls <paramref name="pair"/>(i, j, from, to) for each pair i &lt; j and each column chunk.</summary>
    public static void Run(int n, int columns, Action<int, int, int, int> pair, IProgress<int>? progress) =>
        Run(n, columns, static () => 0, (i, j, from, to, _) => pair(i, j, from, to), progress);

    /// <summary>As above, with per-thread scratch state made by <paramref name="init"/>.</summary>
    public static void Run<TLocal>(int n, int columns, Func<TLocal> init, Action<int, int, int, int, TLocal> pair, IProgress<int>? progress)
    {
        var blocks = (n + Block - 1) / Block;
        var tiles = new List<(int I, int J)>();
        for (var bi = 0; bi < blocks; bi++)
            for (var bj = bi; bj < blocks; bj++)
                tiles.Add((bi, bj));
        var total = (long)n * (n - 1) / 2;
        long done = 0;
        var gate = new object();
        Parallel.For(0, tiles.Count, init, (t, _, local) =>
        {
            var (bi, bj) = tiles[t];
            int i0 = bi * Block, i1 = Math.Min(n, i0 + Block), j0 = bj * Block, j1 = Math.Min(n, j0 + Block);
            for (var from = 0; from < columns; from += Chunk)
            {
                var to = Math.Min(columns, from + Chunk);
                for (var i = i0; i < i1; i++)
                    for (var j = Math.Max(j0, i + 1); j < j1; j++)
                        pair(i, j, from, to, local);
            }
            if (progress is not null)
            {
                long pairs = 0;
                for (var i = i0; i < i1; i++)
                    pairs += Math.Max(0, j1 - Math.Max(j0, i + 1));
                // Under the lock so reported values never go backwards.
                lock (gate)
                {
                    done += pairs;
                    progress.Report((int)(done * n / total));
                }
            }
            return local;
        }, static _ => { });
        if (total == 0)
            progress?.Report(n);
    }
}
