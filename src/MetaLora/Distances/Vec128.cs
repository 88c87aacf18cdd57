using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MetaLora.Distances;

/// <summary>One 128-bit vector of 2 doubles.</summary>
internal readonly struct Vec128(Vector128<double> value) : IVector<Vec128>
{
    public readonly Vector128<double> Value = value;

    public static int Count => Vector128<double>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec128 Create(double value) => new(Vector128.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec128 Load(ReadOnlySpan<double> source, int offset) => new(Vector128.LoadUnsafe(in MemoryMarshal.GetReference(source), (nuint)offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vec128 value, Span<double> destination, int offset) => value.Value.StoreUnsafe(ref MemoryMarshal.GetReference(destination), (nuint)offset);

    // Two scalar loads: NEON has no gather instruction.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vec128 Gather(double* row, int* ids) => new(Vector128.Create(row[ids[0]], row[ids[1]]));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec128 operator +(Vec128 left, Vec128 right) => new(left.Value + right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec128 operator -(Vec128 left, Vec128 right) => new(left.Value - right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec128 operator *(Vec128 left, Vec128 right) => new(left.Value * right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec128 operator /(Vec128 left, Vec128 right) => new(left.Value / right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec128 MultiplyAdd(Vec128 a, Vec128 b, Vec128 c) =>
        new(Lanes.HasFma ? Vector128.FusedMultiplyAdd(a.Value, b.Value, c.Value) : a.Value * b.Value + c.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec128 Abs(Vec128 value) => new(Vector128.Abs(value.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool EqualsAll(Vec128 left, Vec128 right) => Vector128.EqualsAll(left.Value, right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec128 Frexp(Vec128 value, out Vec128 exponent)
    {
        var bits = value.Value.AsUInt64();
        // Biasing by 1 - sqrt(1/2) in bit space makes the exponent field round to the nearest power of two.
        var field = (bits + Vector128.Create(Lanes.OneBits - Lanes.SqrtHalfBits)) >>> 52;
        // field - 1023 as a double, exactly, without a 64-bit integer conversion instruction.
        exponent = new((Vector128.Create(Lanes.TwoPow52Bits) | field).AsDouble() - Vector128.Create(Lanes.TwoPow52 + 1023));
        return new((bits - (field << 52) + Vector128.Create(Lanes.OneBits)).AsDouble());
    }
}
