using System.Buffers.Binary;
using MetaLora.Formats;

namespace MetaLora.Tests.Formats;

/// <summary>Files laid out by make_safetensors_fixtures.py with values and fp16/bf16 bits from PyTorch.</summary>
public sealed class SafetensorsFixtureTests
{
    private static readonly string Reference = Fixtures.Path("st_reference.safetensors");

    [Fact]
    public void ReadsReferenceFile()
    {
        using var reader = SafetensorsReader.Open(Reference);
        Assert.Equal(["i64", "matrix", "scalar", "empty", "i32", "bf16", "f16", "u8", "flags"], reader.Tensors.Select(t => t.Name));
        Assert.Equal("pt", Assert.Single(reader.Metadata).Value);

        Assert.Equal([-1.0f, -0.5f, 0f, 0.5f, 1f, 1.5f], reader.ReadFloat32(reader["matrix"]));
        Assert.Equal([2L, 3L], reader["matrix"].Shape);
        Assert.Equal([3.25f], reader.ReadFloat32(reader["scalar"]));
        Assert.Empty(reader["scalar"].Shape);
        Assert.Equal([0L, 4L], reader["empty"].Shape);
        Assert.Empty(reader.ReadFloat32(reader["empty"]));

        var i64 = reader.GetBytes(reader["i64"]).ToArray();
        Assert.Equal([-1L, 0L, 1L << 40], Enumerable.Range(0, 3).Select(i => BinaryPrimitives.ReadInt64LittleEndian(i64.AsSpan(8 * i))));
        var i32 = reader.GetBytes(reader["i32"]).ToArray();
        Assert.Equal([1, -2, 3, int.MaxValue], Enumerable.Range(0, 4).Select(i => BinaryPrimitives.ReadInt32LittleEndian(i32.AsSpan(4 * i))));
        Assert.Equal(new byte[] { 0, 128, 255 }, reader.GetBytes(reader["u8"]).ToArray());
        Assert.Equal(new byte[] { 1, 0 }, reader.GetBytes(reader["flags"]).ToArray());
        Assert.Equal(TensorDType.Bool, reader["flags"].DType);

        // torch.tensor([1.0, -2.5, 1e-3, 3e38]).to(torch.bfloat16): 1e-3 and 3e38 are rounded.
        Assert.Equal([1f, -2.5f, 0.00099945068359375f, 3.0040553e38f], reader.ReadFloat32(reader["bf16"]));
        Assert.Equal([0.099975586f, -65504f, 5.9604645e-08f, 1f], reader.ReadFloat32(reader["f16"]));
    }

    [Fact]
    public void WriterReproducesReferenceBytes()
    {
        // Given the same order and metadata, our writer lays the file out exactly like the reference serializer.
        using var reader = SafetensorsReader.Open(Reference);
        using var written = new MemoryStream();
        SafetensorsWriter.Write(written, reader.Tensors.Select(t => t.ToSpec()).ToArray(),
            (spec, sink) => sink.Write(reader.GetBytes(reader[spec.Name])), reader.Metadata);
        Assert.Equal(File.ReadAllBytes(Reference), written.ToArray());
    }

    [Fact]
    public void ConversionsMatchPyTorch()
    {
        using var reader = SafetensorsReader.Open(Fixtures.Path("st_conversions.safetensors"));
        var input = reader.ReadFloat32(reader["input"]);
        var f16 = Bits(reader, "f16");
        var bf16 = Bits(reader, "bf16");
        Assert.True(input.Length > 3000);
        for (var i = 0; i < input.Length; i++)
        {
            if (float.IsNaN(input[i]))
            {
                Assert.True(float.IsNaN(HalfPrecision.FromHalfBits(HalfPrecision.ToHalfBits(input[i]))));
                Assert.True(float.IsNaN(HalfPrecision.FromBFloat16Bits(HalfPrecision.ToBFloat16Bits(input[i]))));
                continue;
            }
            var x = BitConverter.SingleToUInt32Bits(input[i]);
            Assert.True(f16[i] == HalfPrecision.ToHalfBits(input[i]), $"fp16 of 0x{x:X8}: torch 0x{f16[i]:X4}, ours 0x{HalfPrecision.ToHalfBits(input[i]):X4}");
            Assert.True(bf16[i] == HalfPrecision.ToBFloat16Bits(input[i]), $"bf16 of 0x{x:X8}: torch 0x{bf16[i]:X4}, ours 0x{HalfPrecision.ToBFloat16Bits(input[i]):X4}");
        }

        // Decoding (through the reader's bulk paths) gives torch's .to(torch.float32), NaNs aside.
        AssertSameBits(reader.ReadFloat32(reader["f16_f32"]), reader.ReadFloat32(reader["f16"]));
        AssertSameBits(reader.ReadFloat32(reader["bf16_f32"]), reader.ReadFloat32(reader["bf16"]));
    }

    private static ushort[] Bits(SafetensorsReader reader, string name)
    {
        var bytes = reader.GetBytes(reader[name]).ToArray();
        return Enumerable.Range(0, bytes.Length / 2).Select(i => BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(2 * i))).ToArray();
    }

    private static void AssertSameBits(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
            if (!(float.IsNaN(expected[i]) && float.IsNaN(actual[i])))
                Assert.Equal(BitConverter.SingleToUInt32Bits(expected[i]), BitConverter.SingleToUInt32Bits(actual[i]));
    }
}
