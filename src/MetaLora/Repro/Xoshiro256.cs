namespace MetaLora.Repro;

/// <summary>
/// xoshiro256** (Blackman, Vigna): specified bit for bit, unlike System.Random's seeded algorithms,
/// so sampled MMD values are reproducible across runtimes.
/// </summary>
internal struct Xoshiro256
{
    private ulong _s0, _s1, _s2, _s3;

    public Xoshiro256(ulong seed)
    {
        // State from a SplitMix64 stream, as the authors recommend; it is never all zero.
        var stream = new SplitMix64(seed);
        _s0 = stream.Next();
        _s1 = stream.Next();
        _s2 = stream.Next();
        _s3 = stream.Next();
    }

    public ulong Next()
    {
        var result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, bound) without modulo bias (Lemire's multiply-and-reject).</summary>
    public ulong NextBelow(ulong bound)
    {
        var high = Math.BigMul(Next(), bound, out var low);
        if (low < bound)
        {
            var threshold = (0 - bound) % bound;
            while (low < threshold)
                high = Math.BigMul(Next(), bound, out low);
        }
        return high;
    }
}
