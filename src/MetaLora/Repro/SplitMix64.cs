using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;

namespace MetaLora.Repro;

/// <summary>SplitMix64 (Steele, Lea, Flood 2014): a 64-bit mixer, used for seeding and hashing.</summary>
internal static class SplitMix64
{
    public const ulong Gamma = 0x9E3779B97F4A7C15UL;

    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
