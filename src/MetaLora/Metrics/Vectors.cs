using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MetaLora.Metrics;

// The vector types the kernels are instantiated with: one hardware vector, or one double. Each is a thin
// wrapper, so the JIT compiles kernel code over it to the bare instructions.

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
