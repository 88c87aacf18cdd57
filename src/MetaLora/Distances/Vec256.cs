using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MetaLora.Distances;

/// <summary>One 256-bit vector of 4 doubles.</summary>
internal readonly struct Vec256(Vector256<double> value) : IVector<Vec256>
{
    public readonly Vector256<double> Value = value;

    public static int Count => Vector256<double>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256 Create(double value) => new(Vector256.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256 Load(ReadOnlySpan<double> source, int offset) => new(Vector256.LoadUnsafe(in MemoryMarshal.GetReference(source), (nuint)offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vec256 value, Span<double> destination, int offset) => value.Value.StoreUnsafe(ref MemoryMarshal.GetReference(destination), (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vec256 Gather(double* row, int* ids) =>
        new(Avx2.IsSupported
            ? Avx2.GatherVector256(row, Vector128.Load(ids), 8)
            : Vector256.Create(row[ids[0]], row[ids[1]], row[ids[2]], row[ids[3]]));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256 operator +(Vec256 left, Vec256 right) => new(left.Value + right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256 operator -(Vec256 left, Vec256 right) => new(left.Value - right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256 operator *(Vec256 left, Vec256 right) => new(left.Value * right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256 operator /(Vec256 left, Vec256 right) => new(left.Value / right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256 MultiplyAdd(Vec256 a, Vec256 b, Vec256 c) =>
        new(Lanes.HasFma ? Vector256.FusedMultiplyAdd(a.Value, b.Value, c.Value) : a.Value * b.Value + c.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256 Abs(Vec256 value) => new(Vector256.Abs(value.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool EqualsAll(Vec256 left, Vec256 right) => Vector256.EqualsAll(left.Value, right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256 Frexp(Vec256 value, out Vec256 exponent)
    {
        var bits = value.Value.AsUInt64();
        // Biasing by 1 - sqrt(1/2) in bit space makes the exponent field round to the nearest power of two.
        var field = (bits + Vector256.Create(Lanes.OneBits - Lanes.SqrtHalfBits)) >>> 52;
        // field - 1023 as a double, exactly, without a 64-bit integer conversion instruction.
        exponent = new((Vector256.Create(Lanes.TwoPow52Bits) | field).AsDouble() - Vector256.Create(Lanes.TwoPow52 + 1023));
        return new((bits - (field << 52) + Vector256.Create(Lanes.OneBits)).AsDouble());
    }
}
