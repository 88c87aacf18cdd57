using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MetaLora.Distances;

/// <summary>One 512-bit vector of 8 doubles.</summary>
internal readonly struct Vec512(Vector512<double> value) : IVector<Vec512>
{
    public readonly Vector512<double> Value = value;

    public static int Count => Vector512<double>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512 Create(double value) => new(Vector512.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512 Load(ReadOnlySpan<double> source, int offset) => new(Vector512.LoadUnsafe(in MemoryMarshal.GetReference(source), (nuint)offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vec512 value, Span<double> destination, int offset) => value.Value.StoreUnsafe(ref MemoryMarshal.GetReference(destination), (nuint)offset);

    // .NET exposes no AVX-512 gather; the halves are two 256-bit ones.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vec512 Gather(double* row, int* ids) =>
        new(Vector512.Create(Vec256.Gather(row, ids).Value, Vec256.Gather(row, ids + 4).Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512 operator +(Vec512 left, Vec512 right) => new(left.Value + right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512 operator -(Vec512 left, Vec512 right) => new(left.Value - right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512 operator *(Vec512 left, Vec512 right) => new(left.Value * right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512 operator /(Vec512 left, Vec512 right) => new(left.Value / right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512 MultiplyAdd(Vec512 a, Vec512 b, Vec512 c) =>
        new(Lanes.HasFma ? Vector512.FusedMultiplyAdd(a.Value, b.Value, c.Value) : a.Value * b.Value + c.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512 Abs(Vec512 value) => new(Vector512.Abs(value.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool EqualsAll(Vec512 left, Vec512 right) => Vector512.EqualsAll(left.Value, right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512 Frexp(Vec512 value, out Vec512 exponent)
    {
        var bits = value.Value.AsUInt64();
        // Biasing by 1 - sqrt(1/2) in bit space makes the exponent field round to the nearest power of two.
        var field = (bits + Vector512.Create(Lanes.OneBits - Lanes.SqrtHalfBits)) >>> 52;
        // field - 1023 as a double, exactly, without a 64-bit integer conversion instruction.
        exponent = new((Vector512.Create(Lanes.TwoPow52Bits) | field).AsDouble() - Vector512.Create(Lanes.TwoPow52 + 1023));
        return new((bits - (field << 52) + Vector512.Create(Lanes.OneBits)).AsDouble());
    }
}
