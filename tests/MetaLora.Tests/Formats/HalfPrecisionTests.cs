using MetaLora.Formats;

namespace MetaLora.Tests.Formats;

public sealed class HalfPrecisionTests
{
    private static float F(uint bits) => BitConverter.UInt32BitsToSingle(bits);

    [Theory]
    [InlineData(0x0000_0000u, 0x0000)] // +0
    [InlineData(0x8000_0000u, 0x8000)] // -0 keeps its sign
    [InlineData(0x3F80_0000u, 0x3C00)] // 1
    [InlineData(0xC000_0000u, 0xC000)] // -2
    [InlineData(0x3F80_1000u, 0x3C00)] // 1 + 2^-11: tie between 0x3C00 and 0x3C01 goes to even
    [InlineData(0x3F80_3000u, 0x3C02)] // 1 + 3 * 2^-11: tie between 0x3C01 and 0x3C02 goes to even
    [InlineData(0x3F80_1001u, 0x3C01)] // just above a tie rounds up
    [InlineData(0x477F_E000u, 0x7BFF)] // 65504, the largest finite fp16
    [InlineData(0x477F_EFFFu, 0x7BFF)] // just below the overflow tie
    [InlineData(0x477F_F000u, 0x7C00)] // 65520: tie between 65504 and 65536 overflows to infinity
    [InlineData(0xC780_0000u, 0xFC00)] // -65536 overflows to -infinity
    [InlineData(0x7F7F_FFFFu, 0x7C00)] // float32 max
    [InlineData(0x7F80_0000u, 0x7C00)] // +inf
    [InlineData(0xFF80_0000u, 0xFC00)] // -inf
    [InlineData(0x3880_0000u, 0x0400)] // 2^-14, the smallest normal fp16
    [InlineData(0x387F_C000u, 0x03FF)] // 1023 * 2^-24, the largest subnormal
    [InlineData(0x387F_E000u, 0x0400)] // 1023.5 * 2^-24: tie goes to even 1024, the smallest normal
    [InlineData(0x387F_A000u, 0x03FE)] // 1022.5 * 2^-24: tie goes to even 1022
    [InlineData(0x3380_0000u, 0x0001)] // 2^-24, the smallest subnormal
    [InlineData(0x3300_0000u, 0x0000)] // 2^-25: tie between 0 and 2^-24 goes to zero
    [InlineData(0x3300_0001u, 0x0001)] // just above 2^-25
    [InlineData(0x33C0_0000u, 0x0002)] // 1.5 * 2^-24: tie goes to even 2
    [InlineData(0x3420_0000u, 0x0002)] // 2.5 * 2^-24: tie goes to even 2
    [InlineData(0xB3C0_0000u, 0x8002)] // negative subnormal
    [InlineData(0x0000_0001u, 0x0000)] // float32 subnormals underflow to zero
    [InlineData(0x807F_FFFFu, 0x8000)]
    [InlineData(0x7FC0_0000u, 0x7E00)] // NaN -> canonical quiet NaN
    [InlineData(0xFFC0_0000u, 0xFE00)] // negative NaN keeps its sign
    [InlineData(0x7F80_0001u, 0x7E00)] // signalling NaN stays NaN (not infinity)
    public void ToHalf_KnownBitPatterns(uint input, int expected) =>
        Assert.Equal((ushort)expected, HalfPrecision.ToHalfBits(F(input)));

    [Theory]
    [InlineData(0x0000_0000u, 0x0000)]
    [InlineData(0x8000_0000u, 0x8000)]
    [InlineData(0x3F80_0000u, 0x3F80)]
    [InlineData(0x3F80_8000u, 0x3F80)] // tie to even (down)
    [InlineData(0x3F81_8000u, 0x3F82)] // tie to even (up)
    [InlineData(0x3F80_8001u, 0x3F81)]
    [InlineData(0x3F80_7FFFu, 0x3F80)]
    [InlineData(0x7F7F_7FFFu, 0x7F7F)] // below the overflow tie
    [InlineData(0x7F7F_8000u, 0x7F80)] // tie at the top overflows to infinity
    [InlineData(0x7F7F_FFFFu, 0x7F80)] // float32 max
    [InlineData(0xFF80_0000u, 0xFF80)]
    [InlineData(0x0000_8000u, 0x0000)] // subnormal tie to even (zero)
    [InlineData(0x0001_8000u, 0x0002)] // subnormal tie to even (up)
    [InlineData(0x0000_8001u, 0x0001)]
    [InlineData(0x7FC0_0000u, 0x7FC0)]
    [InlineData(0xFFC0_0000u, 0xFFC0)]
    [InlineData(0x7F80_0001u, 0x7FC0)] // would round to infinity's pattern without the NaN check
    [InlineData(0x7FFF_FFFFu, 0x7FC0)] // would carry into the sign bit without the NaN check
    public void ToBFloat16_KnownBitPatterns(uint input, int expected) =>
        Assert.Equal((ushort)expected, HalfPrecision.ToBFloat16Bits(F(input)));

    [Theory]
    [InlineData(0x0001, 0x3380_0000u)] // smallest subnormal
    [InlineData(0x03FF, 0x387F_C000u)] // largest subnormal
    [InlineData(0x0400, 0x3880_0000u)]
    [InlineData(0x7BFF, 0x477F_E000u)]
    [InlineData(0x7C00, 0x7F80_0000u)]
    [InlineData(0xFC00, 0xFF80_0000u)]
    [InlineData(0x8000, 0x8000_0000u)]
    [InlineData(0x3555, 0x3EAA_A000u)]
    public void FromHalf_IsExact(int half, uint expected) =>
        Assert.Equal(expected, BitConverter.SingleToUInt32Bits(HalfPrecision.FromHalfBits((ushort)half)));

    [Fact]
    public void FromHalf_NaNIsNaN() => Assert.True(float.IsNaN(HalfPrecision.FromHalfBits(0x7E00)));

    [Fact]
    public void EveryNonNaNPatternRoundTripsThroughFloat32()
    {
        for (var bits = 0; bits <= ushort.MaxValue; bits++)
        {
            var h = (ushort)bits;
            // Assert only on a mismatch: 2 x 65536 Assert calls would dominate the run time.
            var halfNaN = (h & 0x7C00) == 0x7C00 && (h & 0x03FF) != 0;
            if (!halfNaN && HalfPrecision.ToHalfBits(HalfPrecision.FromHalfBits(h)) != h)
                Assert.Fail($"fp16 0x{h:X4} does not survive fp32");
            var bfloatNaN = (h & 0x7F80) == 0x7F80 && (h & 0x007F) != 0;
            if (!bfloatNaN && HalfPrecision.ToBFloat16Bits(HalfPrecision.FromBFloat16Bits(h)) != h)
                Assert.Fail($"bf16 0x{h:X4} does not survive fp32");
        }
    }
}
