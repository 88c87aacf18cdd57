namespace MetaLora.Repro;

/// <summary>
/// SplitMix64 (Steele, Lea, Flood 2014), specified bit for bit, unlike System.Random's seeded
/// algorithms: <see cref="Mix"/> is its 64-bit mixer, used for seeding and hashing; an instance is
/// the stream of mixed states <c>seed + k·Gamma</c>, k = 1, 2, ...
/// </summary>
internal struct SplitMix64(ulong seed)
{
    public const ulong Gamma = 0x9E3779B97F4A7C15UL;

    private ulong _state = seed;

    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong Next() => Mix(_state += Gamma);

    /// <summary>Uniform in [0, bound) without modulo bias (Lemire's multiply-and-reject).</summary>
    public int NextBelow(int bound)
    {
        var range = (ulong)bound;
        var high = Math.BigMul(Next(), range, out var low);
        if (low < range)
        {
            var threshold = (0 - range) % range;
            while (low < threshold)
                high = Math.BigMul(Next(), range, out low);
        }
        return (int)high;
    }
}
