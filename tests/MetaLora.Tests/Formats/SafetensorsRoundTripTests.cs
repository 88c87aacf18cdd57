using System.Buffers.Binary;
using System.Text;
using MetaLora.Formats;

namespace MetaLora.Tests.Formats;

public sealed class SafetensorsRoundTripTests
{
    private static float[] Values(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
    }

    [Theory]
    [InlineData(TensorDType.F32)]
    [InlineData(TensorDType.F16)]
    [InlineData(TensorDType.BF16)]
    public void RoundTrip_FloatTypes(TensorDType dtype)
    {
        using var dir = new TempDir();
        var path = dir.Combine("t.safetensors");
        var a = new TensorSpec("layer.a", dtype, [3, 5]);
        var b = new TensorSpec("layer.b", dtype, [7]);
        var (va, vb) = (Values(15, 1), Values(7, 2));
        SafetensorsWriter.Write(path, [(a, va), (b, vb)]);

        using var reader = SafetensorsReader.Open(path);
        Assert.Equal(["layer.a", "layer.b"], reader.Tensors.Select(t => t.Name));
        Assert.Equal(dtype, reader["layer.a"].DType);
        Assert.Equal([3L, 5L], reader["layer.a"].Shape);
        Assert.Equal(Expected(dtype, va), reader.ReadFloat32(reader["layer.a"]));
        Assert.Equal(Expected(dtype, vb), reader.ReadFloat32(reader["layer.b"]));
    }

    private static float[] Expected(TensorDType dtype, float[] values) => dtype switch
    {
        TensorDType.F16 => values.Select(v => HalfPrecision.FromHalfBits(HalfPrecision.ToHalfBits(v))).ToArray(),
        TensorDType.BF16 => values.Select(v => HalfPrecision.FromBFloat16Bits(HalfPrecision.ToBFloat16Bits(v))).ToArray(),
        _ => values,
    };

    [Fact]
    public void RoundTrip_Metadata()
    {
        using var dir = new TempDir();
        var spec = new TensorSpec("x", TensorDType.F32, [1]);
        var none = dir.Combine("none.safetensors");
        var empty = dir.Combine("empty.safetensors");
        var some = dir.Combine("some.safetensors");
        SafetensorsWriter.Write(none, [(spec, new[] { 1f })]);
        SafetensorsWriter.Write(empty, [(spec, new[] { 1f })], new Dictionary<string, string>());
        SafetensorsWriter.Write(some, [(spec, new[] { 1f })], new Dictionary<string, string> { ["format"] = "pt", ["note"] = "é \"quoted\"\n" });

        using (var r = SafetensorsReader.Open(none)) Assert.Empty(r.Metadata);
        using (var r = SafetensorsReader.Open(empty)) Assert.Empty(r.Metadata);
        using (var r = SafetensorsReader.Open(some))
        {
            Assert.Equal("pt", r.Metadata["format"]);
            Assert.Equal("é \"quoted\"\n", r.Metadata["note"]);
        }
        Assert.DoesNotContain("__metadata__", HeaderText(none));
        Assert.StartsWith("{\"__metadata__\":{}", HeaderText(empty));
        Assert.StartsWith("{\"__metadata__\":{\"format\":\"pt\",\"note\":", HeaderText(some));
    }

    [Fact]
    public void RoundTrip_ScalarAndZeroSizeTensors()
    {
        using var dir = new TempDir();
        var path = dir.Combine("t.safetensors");
        var scalar = new TensorSpec("scalar", TensorDType.F32, []);
        var empty = new TensorSpec("empty", TensorDType.BF16, [0, 4]);
        var after = new TensorSpec("after", TensorDType.F16, [2]);
        SafetensorsWriter.Write(path, [(scalar, new[] { 2.5f }), (empty, Array.Empty<float>()), (after, new[] { 1f, -1f })]);

        using var reader = SafetensorsReader.Open(path);
        Assert.Empty(reader["scalar"].Shape);
        Assert.Equal(1, reader["scalar"].ElementCount);
        Assert.Equal([2.5f], reader.ReadFloat32(reader["scalar"]));
        Assert.Equal(0, reader["empty"].ElementCount);
        Assert.Equal(reader["empty"].DataBegin, reader["empty"].DataEnd);
        Assert.Empty(reader.ReadFloat32(reader["empty"]));
        Assert.Equal(0, reader.GetBytes(reader["empty"]).Length);
        Assert.Equal([1f, -1f], reader.ReadFloat32(reader["after"]));
    }

    [Fact]
    public void RoundTrip_NoTensors()
    {
        using var dir = new TempDir();
        var path = dir.Combine("t.safetensors");
        SafetensorsWriter.Write(path, Array.Empty<(TensorSpec, float[])>());
        Assert.Equal("{}      ", HeaderText(path));
        using var reader = SafetensorsReader.Open(path);
        Assert.Empty(reader.Tensors);
    }

    [Fact]
    public void RoundTrip_RawBytesOfIntegerTypes()
    {
        using var dir = new TempDir();
        var path = dir.Combine("t.safetensors");
        var ids = new TensorSpec("ids", TensorDType.I64, [2]);
        var mask = new TensorSpec("mask", TensorDType.Bool, [3]);
        var idBytes = new byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(idBytes, -5);
        BinaryPrimitives.WriteInt64LittleEndian(idBytes.AsSpan(8), 1L << 40);
        SafetensorsWriter.Write(path, [ids, mask], (t, sink) => sink.Write(t == ids ? idBytes : [1, 0, 1]));

        using var reader = SafetensorsReader.Open(path);
        Assert.Equal(idBytes, reader.GetBytes(reader["ids"]).ToArray());
        Assert.Equal(new byte[] { 1, 0, 1 }, reader.GetBytes(reader["mask"]).ToArray());
        var tail = new byte[8];
        reader.CopyBytes(reader["ids"], 8, tail);
        Assert.Equal(1L << 40, BinaryPrimitives.ReadInt64LittleEndian(tail));
        var e = Assert.Throws<BadInputException>(() => reader.ReadFloat32(reader["ids"]));
        Assert.Equal($"{path}: tensor 'ids' is I64, expected F32, F16 or BF16", e.Message);
    }

    [Fact]
    public void Header_IsPaddedWithSpacesToEightBytes_AndOffsetsAreContiguous()
    {
        using var dir = new TempDir();
        var path = dir.Combine("t.safetensors");
        SafetensorsWriter.Write(path, [(new TensorSpec("a", TensorDType.F16, [3]), new[] { 1f, 2f, 3f }), (new TensorSpec("bb", TensorDType.F32, [2]), new[] { 4f, 5f })]);
        var bytes = File.ReadAllBytes(path);
        var n = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, n % 8);
        var text = Encoding.UTF8.GetString(bytes, 8, n);
        Assert.Equal("{\"a\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,6]},\"bb\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[6,14]}}", text.TrimEnd(' '));
        Assert.Equal(8 + n + 14, bytes.Length);
    }

    [Fact]
    public void Write_IsDeterministic_AndLeavesNoTemporaryFiles()
    {
        using var dir = new TempDir();
        var specs = new[] { new TensorSpec("z", TensorDType.BF16, [4, 4]), new TensorSpec("a", TensorDType.F32, [2]) };
        var data = specs.ToDictionary(s => s.Name, s => Values((int)s.ElementCount, s.Name[0]));
        var metadataOne = new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" };
        var metadataTwo = new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" };
        SafetensorsWriter.Write(dir.Combine("1.safetensors"), specs, (t, sink) => sink.WriteFloat32(data[t.Name]), metadataOne);
        SafetensorsWriter.Write(dir.Combine("2.safetensors"), specs, (t, sink) => sink.WriteFloat32(data[t.Name]), metadataTwo);
        Assert.Equal(File.ReadAllBytes(dir.Combine("1.safetensors")), File.ReadAllBytes(dir.Combine("2.safetensors")));
        Assert.Equal(["1.safetensors", "2.safetensors"], Directory.GetFiles(dir.Path).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Write_StreamsTensorsInOrderInPieces()
    {
        var specs = new[] { new TensorSpec("first", TensorDType.F16, [100_000]), new TensorSpec("second", TensorDType.F32, [3]) };
        var calls = new List<string>();
        using var stream = new MemoryStream();
        SafetensorsWriter.Write(stream, specs, (t, sink) =>
        {
            calls.Add(t.Name);
            var remaining = t.ElementCount;
            while (remaining > 0)
            {
                var piece = (int)Math.Min(30_000, remaining);
                sink.WriteFloat32(Enumerable.Repeat(0.5f, piece).ToArray());
                remaining -= piece;
            }
            Assert.Equal(0, sink.Remaining);
        });
        Assert.Equal(["first", "second"], calls);
        Assert.Equal(SafetensorsWriter.Header(specs).Length + 200_000 + 12, stream.Length);
    }

    [Fact]
    public void Write_RejectsWrongByteCounts()
    {
        var spec = new TensorSpec("x", TensorDType.F32, [2]);
        using var stream = new MemoryStream();
        var tooFew = Assert.Throws<InvalidOperationException>(() => SafetensorsWriter.Write(stream, [spec], (_, sink) => sink.WriteFloat32([1f])));
        Assert.Contains("tensor 'x' holds 8 bytes but only 4 were written", tooFew.Message);
        var tooMany = Assert.Throws<InvalidOperationException>(() => SafetensorsWriter.Write(stream, [spec], (_, sink) => sink.WriteFloat32([1f, 2f, 3f])));
        Assert.Contains("tensor 'x' holds 8 bytes", tooMany.Message);
        var intType = new TensorSpec("i", TensorDType.I32, [1]);
        Assert.Throws<InvalidOperationException>(() => SafetensorsWriter.Write(stream, [intType], (_, sink) => sink.WriteFloat32([1f])));
    }

    [Fact]
    public void Write_RejectsDuplicateAndReservedNames()
    {
        var spec = new TensorSpec("x", TensorDType.F32, [1]);
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Header([spec, new TensorSpec("x", TensorDType.F16, [1])]));
        Assert.Throws<ArgumentException>(() => new TensorSpec("__metadata__", TensorDType.F32, [1]));
        Assert.Throws<ArgumentException>(() => new TensorSpec("neg", TensorDType.F32, [2, -1]));
    }

    [Fact]
    public void Write_FailedCallbackLeavesNoFile()
    {
        using var dir = new TempDir();
        var path = dir.Combine("t.safetensors");
        Assert.Throws<InvalidOperationException>(() =>
            SafetensorsWriter.Write(path, [new TensorSpec("x", TensorDType.F32, [1])], (_, _) => throw new InvalidOperationException("boom")));
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void ReadFloat32_ChunkedMatchesWhole()
    {
        using var dir = new TempDir();
        var path = dir.Combine("t.safetensors");
        var values = Values(10_007, 3);
        foreach (var dtype in new[] { TensorDType.F32, TensorDType.F16, TensorDType.BF16 })
        {
            SafetensorsWriter.Write(path, [(new TensorSpec("w", dtype, [values.Length]), values)]);
            using var reader = SafetensorsReader.Open(path);
            var w = reader["w"];
            var whole = reader.ReadFloat32(w);
            var pieces = new float[values.Length];
            for (var start = 0; start < values.Length; start += 999)
                reader.ReadFloat32(w, start, pieces.AsSpan(start, Math.Min(999, values.Length - start)));
            Assert.Equal(whole, pieces);
            Assert.Throws<ArgumentOutOfRangeException>(() => reader.ReadFloat32(w, values.Length - 1, new float[2]));
            Assert.Throws<ArgumentException>(() => reader.ReadFloat32(w, new float[values.Length - 1].AsSpan()));
        }
    }

    [Fact]
    public void TensorsBeyond2GiB_AreReadInChunks()
    {
        // A sparse file: 2.4 GB of F32 zeros on disk costs nothing, and offsets past 2^31 get exercised.
        using var dir = new TempDir();
        var path = dir.Combine("big.safetensors");
        const long count = 600_000_000;
        var spec = new TensorSpec("big", TensorDType.F32, [count]);
        var header = SafetensorsWriter.Header([spec]);
        using (var file = new FileStream(path, FileMode.CreateNew))
        {
            file.Write(header);
            file.SetLength(header.Length + count * 4);
            file.Position = header.Length + (count - 2) * 4;
            file.Write(RawSafetensors.Floats(7f, 8f));
        }

        using var reader = SafetensorsReader.Open(path);
        var big = reader["big"];
        Assert.Throws<NotSupportedException>(() => reader.GetBytes(big));
        var tail = new float[3];
        reader.ReadFloat32(big, count - 3, tail);
        Assert.Equal([0f, 7f, 8f], tail);
        var bytes = new byte[4];
        reader.CopyBytes(big, (count - 1) * 4, bytes);
        Assert.Equal(8f, BitConverter.ToSingle(bytes));
    }

    [Fact]
    public void Reader_RejectsTensorsOfOtherFiles_AndUseAfterDispose()
    {
        using var dir = new TempDir();
        var one = dir.Combine("1.safetensors");
        var two = dir.Combine("2.safetensors");
        SafetensorsWriter.Write(one, [(new TensorSpec("x", TensorDType.F32, [1]), new[] { 1f })]);
        SafetensorsWriter.Write(two, [(new TensorSpec("x", TensorDType.F32, [1]), new[] { 2f })]);
        using var r1 = SafetensorsReader.Open(one);
        var r2 = SafetensorsReader.Open(two);
        Assert.Throws<ArgumentException>(() => r1.ReadFloat32(r2["x"]));
        var x = r2["x"];
        r2.Dispose();
        Assert.Throws<ObjectDisposedException>(() => r2.ReadFloat32(x));
        var missing = Assert.Throws<BadInputException>(() => r1["y"]);
        Assert.Equal($"{one}: tensor 'y' is not in the file", missing.Message);
    }

    [Fact]
    public void ConcurrentReadsOfDifferentTensors()
    {
        using var dir = new TempDir();
        var path = dir.Combine("t.safetensors");
        var tensors = Enumerable.Range(0, 16)
            .Select(i => (Spec: new TensorSpec($"t{i}", i % 2 == 0 ? TensorDType.F32 : TensorDType.BF16, [64, 64]), Values: Values(4096, i)))
            .ToArray();
        SafetensorsWriter.Write(path, tensors);

        using var reader = SafetensorsReader.Open(path);
        var expected = tensors.Select(t => Expected(t.Spec.DType, t.Values)).ToArray();
        Parallel.For(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var k = i % tensors.Length;
            var info = reader[$"t{k}"];
            var buffer = new float[info.ElementCount];
            reader.ReadFloat32(info, buffer);
            Assert.Equal(expected[k], buffer);
        });
    }

    private static string HeaderText(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var n = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        return Encoding.UTF8.GetString(bytes, 8, n);
    }
}
