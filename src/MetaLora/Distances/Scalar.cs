using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MetaLora.Distances;

/// <summary>One double, for hardware without (enabled) SIMD.</summary>
internal readonly struct Scalar(double value) : IVector<Scalar>
{
    public readonly double Value = value;

    public static int Count => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar Create(double value) => new(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar Load(ReadOnlySpan<double> source, int offset) => new(Unsafe.Add(ref MemoryMarshal.GetReference(source), offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Scalar value, Span<double> destination, int offset) => Unsafe.Add(ref MemoryMarshal.GetReference(destination), offset) = value.Value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Scalar Gather(double* row, int* ids) => new(row[ids[0]]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar operator +(Scalar left, Scalar right) => new(left.Value + right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar operator -(Scalar left, Scalar right) => new(left.Value - right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar operator *(Scalar left, Scalar right) => new(left.Value * right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar operator /(Scalar left, Scalar right) => new(left.Value / right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar MultiplyAdd(Scalar a, Scalar b, Scalar c) => new(Lanes.MultiplyAdd(a.Value, b.Value, c.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar Abs(Scalar value) => new(Math.Abs(value.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool EqualsAll(Scalar left, Scalar right) => left.Value == right.Value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar Frexp(Scalar value, out Scalar exponent)
    {
        var bits = BitConverter.DoubleToUInt64Bits(value.Value);
        var field = (bits + (Lanes.OneBits - Lanes.SqrtHalfBits)) >> 52;
        exponent = new((double)(long)field - 1023);
        return new(BitConverter.UInt64BitsToDouble(bits - (field << 52) + Lanes.OneBits));
    }
}
