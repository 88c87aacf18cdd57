using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace MetaLora.Formats;

/// <summary>
/// fp32 to and from IEEE fp16 and bfloat16, bit-exact with PyTorch's <c>tensor.to(torch.float16)</c>
/// and <c>.to(torch.bfloat16)</c> for every non-NaN input: round to nearest, ties to even, with
/// gradual underflow to subnormals and overflow to infinity. A NaN becomes the canonical quiet NaN
/// of its sign (0x7E00 / 0x7FC0 with the sign bit); PyTorch's CPU kernels disagree among themselves
/// on NaN payloads, so nothing finer is worth matching.
/// </summary>
public static class HalfPrecision
{
    private const uint SignMask = 0x8000_0000;
    private const uint AbsMask = 0x7FFF_FFFF;
    private const uint Float32Infinity = 0x7F80_0000;

    public static ushort ToHalfBits(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        var sign = (ushort)((bits & SignMask) >> 16);
        var abs = bits & AbsMask;

        if (abs > Float32Infinity) return (ushort)(sign | 0x7E00);
        // 65520 is halfway between fp16's largest finite value (65504) and 65536: ties to even go up.
        if (abs >= 0x477F_F000) return (ushort)(sign | 0x7C00);

        if (abs >= 0x3880_0000)
        {
            // Normal fp16 (>= 2^-14): drop 13 mantissa bits with rounding, then rebias the exponent
            // from 127 to 15. A rounding carry propagates into the exponent, which is what we want.
            var rounded = abs + 0x0FFF + ((abs >> 13) & 1);
            return (ushort)(sign | ((rounded - 0x3800_0000) >> 13));
        }

        // Subnormal fp16: the result is round(|value| / 2^-24). Exponents below 102 give |value| < 2^-25,
        // which rounds to zero (float32 subnormals included).
        var exponent = (int)(abs >> 23);
        if (exponent < 102) return sign;
        var mantissa = (abs & 0x007F_FFFF) | 0x0080_0000;
        var shift = 126 - exponent; // 14..24
        var quotient = mantissa >> shift;
        var remainder = mantissa & ((1u << shift) - 1);
        var halfway = 1u << (shift - 1);
        if (remainder > halfway || (remainder == halfway && (quotient & 1) != 0)) quotient++;
        return (ushort)(sign | quotient);
    }

    public static ushort ToBFloat16Bits(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        if ((bits & AbsMask) > Float32Infinity) return (ushort)(((bits & SignMask) >> 16) | 0x7FC0);
        // bfloat16 is float32's upper half: round the lower 16 bits away, ties to even. Overflow of the
        // largest finite values lands on infinity's bit pattern by itself.
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }

    public static float FromHalfBits(ushort bits) => (float)BitConverter.UInt16BitsToHalf(bits);

    public static float FromBFloat16Bits(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>Little-endian F32/F16/BF16 elements to fp32.</summary>
    internal static void Decode(TensorDType dtype, ReadOnlySpan<byte> source, Span<float> destination)
    {
        switch (dtype)
        {
            case TensorDType.F32:
                var floats = MemoryMarshal.Cast<byte, float>(source);
                floats.CopyTo(destination);
                if (!BitConverter.IsLittleEndian)
                {
                    var asInts = MemoryMarshal.Cast<float, uint>(destination[..floats.Length]);
                    BinaryPrimitives.ReverseEndianness(asInts, asInts);
                }
                break;
            case TensorDType.F16 when BitConverter.IsLittleEndian:
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(source), destination);
                break;
            case TensorDType.F16:
                for (var i = 0; i < destination.Length; i++)
                    destination[i] = FromHalfBits(BinaryPrimitives.ReadUInt16LittleEndian(source[(2 * i)..]));
                break;
            case TensorDType.BF16:
                for (var i = 0; i < destination.Length; i++)
                    destination[i] = FromBFloat16Bits(BinaryPrimitives.ReadUInt16LittleEndian(source[(2 * i)..]));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "only F32, F16 and BF16 convert to fp32");
        }
    }

    /// <summary>fp32 to little-endian F32/F16/BF16 elements.</summary>
    internal static void Encode(TensorDType dtype, ReadOnlySpan<float> source, Span<byte> destination)
    {
        switch (dtype)
        {
            case TensorDType.F32 when BitConverter.IsLittleEndian:
                MemoryMarshal.AsBytes(source).CopyTo(destination);
                break;
            case TensorDType.F32:
                for (var i = 0; i < source.Length; i++)
                    BinaryPrimitives.WriteSingleLittleEndian(destination[(4 * i)..], source[i]);
                break;
            case TensorDType.F16:
                for (var i = 0; i < source.Length; i++)
                    BinaryPrimitives.WriteUInt16LittleEndian(destination[(2 * i)..], ToHalfBits(source[i]));
                break;
            case TensorDType.BF16:
                for (var i = 0; i < source.Length; i++)
                    BinaryPrimitives.WriteUInt16LittleEndian(destination[(2 * i)..], ToBFloat16Bits(source[i]));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "only F32, F16 and BF16 convert from fp32");
        }
    }
}
