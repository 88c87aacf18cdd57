using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace MetaLora.Distances;

/// <summary>The summation and maths shared by the kernels, and the choice of vector width.</summary>
internal static class Lanes
{
    /// <summary>
    /// Whether a b + c is fused (one rounding): on every x64 CPU with AVX2 and every ARM64 CPU. Elsewhere
    /// (x64 limited to SSE, or hardware intrinsics disabled) it rounds twice, because emulating FMA in
    /// software would cost more than the rest of a kernel; results there may differ from other machines
    /// in the last bits. A JIT-time constant.
    /// </summary>
    public static bool HasFma => Fma.IsSupported || AdvSimd.IsSupported;

    /// <summary>The widest vectors the hardware executes natively (never emulated in software).</summary>
    public static SimdWidth Widest =>
        Vector512.IsHardwareAccelerated ? SimdWidth.Bits512
        : Vector256.IsHardwareAccelerated ? SimdWidth.Bits256
        : Vector128.IsHardwareAccelerated ? SimdWidth.Bits128
        : SimdWidth.Scalar;

    /// <summary>Widths that run natively here, widest first; <see cref="SimdWidth.Scalar"/> always does.</summary>
    public static IReadOnlyList<SimdWidth> Available =>
        Enum.GetValues<SimdWidth>().Where(IsNative).OrderDescending().ToArray();

    /// <summary>
    /// Runs <paramref name="kernel"/> in vectors of <paramref name="width"/>, or of <paramref name="widest"/>
    /// when that is narrower (a kernel that gains nothing from wider ones); scalar for a width not named.
    /// </summary>
    public static TResult Dispatch<TKernel, TResult>(SimdWidth width, TKernel kernel, SimdWidth widest = SimdWidth.Bits512)
        where TKernel : IWidthKernel<TResult>, allows ref struct
    {
        if (width > widest && width <= SimdWidth.Bits512) width = widest;
        return width switch
        {
            SimdWidth.Bits512 => kernel.Run<Vec512>(),
            SimdWidth.Bits256 => kernel.Run<Vec256>(),
            SimdWidth.Bits128 => kernel.Run<Vec128>(),
            _ => kernel.Run<Scalar>(),
        };
    }

    private static bool IsNative(SimdWidth width) => width switch
    {
        SimdWidth.Bits512 => Vector512.IsHardwareAccelerated,
        SimdWidth.Bits256 => Vector256.IsHardwareAccelerated,
        SimdWidth.Bits128 => Vector128.IsHardwareAccelerated,
        _ => true,
    };

    /// <summary>a b + c under the policy of <see cref="HasFma"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double MultiplyAdd(double a, double b, double c) => HasFma ? Math.FusedMultiplyAdd(a, b, c) : a * b + c;

    /// <summary>
    /// Adds the summand's terms of columns [from, to) to n = lanes.Length partial sums: lane l gets the
    /// columns k = l (mod n), in column order. That order does not depend on V, so neither do the sums.
    /// from and to must be multiples of n, and n a multiple of 2 V.Count; the summand's columns are not
    /// bounds-checked.
    /// </summary>
    /// <remarks>
    /// Each pass over the columns sums two vectors' worth of lanes, in registers, as two independent
    /// chains. The widest vectors cover all lanes in one pass; narrower ones take several, re-reading the
    /// columns from L1 cache. One pass with every lane in registers would need up to 16 accumulators
    /// and a copy of the summand's code per vector, more than registers and the JIT's inlining allow.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Accumulate<V, TSummand>(Span<double> lanes, int from, int to, TSummand summand)
        where V : struct, IVector<V>
        where TSummand : ISummand, allows ref struct
    {
        var n = lanes.Length;
        if (n % (2 * V.Count) != 0 || from % n != 0 || to % n != 0)
            ThrowMisaligned(n, from, to, V.Count);
        for (var lane = 0; lane < n; lane += 2 * V.Count)
        {
            var sum0 = V.Load(lanes, lane);
            var sum1 = V.Load(lanes, lane + V.Count);
            for (var k = from + lane; k < to; k += n)
            {
                sum0 = summand.AddTo(sum0, k);
                sum1 = summand.AddTo(sum1, k + V.Count);
            }
            V.Store(sum0, lanes, lane);
            V.Store(sum1, lanes, lane + V.Count);
        }
    }

    /// <summary>
    /// <see cref="Accumulate{V, TSummand}(Span{double}, int, int, TSummand)"/> for two sums at once, into <paramref name="first"/> and
    /// <paramref name="second"/> (of equal length): the columns are read once for both.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Accumulate<V, TSummands>(Span<double> first, Span<double> second, int from, int to, TSummands summands)
        where V : struct, IVector<V>
        where TSummands : ISummandPair, allows ref struct
    {
        var n = first.Length;
        if (second.Length != n)
            throw new ArgumentException($"{n} and {second.Length} lanes: the sums need as many", nameof(second));
        if (n % (2 * V.Count) != 0 || from % n != 0 || to % n != 0)
            ThrowMisaligned(n, from, to, V.Count);
        for (var lane = 0; lane < n; lane += 2 * V.Count)
        {
            var first0 = V.Load(first, lane);
            var first1 = V.Load(first, lane + V.Count);
            var second0 = V.Load(second, lane);
            var second1 = V.Load(second, lane + V.Count);
            for (var k = from + lane; k < to; k += n)
            {
                summands.AddTo(ref first0, ref second0, k);
                summands.AddTo(ref first1, ref second1, k + V.Count);
            }
            V.Store(first0, first, lane);
            V.Store(first1, first, lane + V.Count);
            V.Store(second0, second, lane);
            V.Store(second1, second, lane + V.Count);
        }
    }

    [DoesNotReturn]
    private static void ThrowMisaligned(int lanes, int from, int to, int count) =>
        throw new ArgumentException($"{lanes} lanes cannot sum columns [{from}, {to}) in vectors of {count}");

    /// <summary>
    /// The lanes (a power of two of them) summed by halving: lanes [0, n/2) are added to [n/2, n), and so
    /// on down to one; the same bits as adding the halves of a vector. Overwrites <paramref name="lanes"/>.
    /// </summary>
    public static double Sum(Span<double> lanes)
    {
        if (!BitOperations.IsPow2(lanes.Length))
            throw new ArgumentException($"{lanes.Length} lanes cannot be halved down to one", nameof(lanes));
        for (var half = lanes.Length / 2; half > 0; half /= 2)
            for (var i = 0; i < half; i++)
                lanes[i] += lanes[i + half];
        return lanes[0];
    }

    /// <summary>
    /// Natural log of positive normal doubles, within 2 ulp (Math.Log's own libm is not vectorised, and
    /// Vector512.Log is markedly slower). x = 2^e m with m in [sqrt(1/2), sqrt(2)); with s = (m-1)/(m+1),
    /// log m = 2 atanh s = 2 (s + s^3/3 + ... + s^19/19), whose first omitted term is below 2^-53
    /// relative since s^2 &lt;= 0.0295. Zero, negative, subnormal and non-finite inputs are not handled:
    /// densities here are at least 1e-10. Lane-wise, so the same bits at every width.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Log<V>(V x) where V : struct, IVector<V>
    {
        var m = V.Frexp(x, out var e);
        var f = m - V.Create(1.0);
        var s = f / (V.Create(2.0) + f);
        var z = s * s;
        var p = V.Create(2.0 / 19);
        p = V.MultiplyAdd(p, z, V.Create(2.0 / 17));
        p = V.MultiplyAdd(p, z, V.Create(2.0 / 15));
        p = V.MultiplyAdd(p, z, V.Create(2.0 / 13));
        p = V.MultiplyAdd(p, z, V.Create(2.0 / 11));
        p = V.MultiplyAdd(p, z, V.Create(2.0 / 9));
        p = V.MultiplyAdd(p, z, V.Create(2.0 / 7));
        p = V.MultiplyAdd(p, z, V.Create(2.0 / 5));
        p = V.MultiplyAdd(p, z, V.Create(2.0 / 3));
        var logM = V.MultiplyAdd(s * z, p, s + s);
        return V.MultiplyAdd(e, V.Create(Ln2), logM);
    }

    private const double Ln2 = 0.69314718055994530942;

    // Bit patterns for Frexp: 1.0, sqrt(1/2), and 2^52 (whose low bits hold a small integer exactly).
    public const ulong OneBits = 0x3FF0000000000000UL;
    public const ulong SqrtHalfBits = 0x3FE6A09E667F3BCDUL;
    public const ulong TwoPow52Bits = 0x4330000000000000UL;
    public const double TwoPow52 = 4503599627370496.0;
}
