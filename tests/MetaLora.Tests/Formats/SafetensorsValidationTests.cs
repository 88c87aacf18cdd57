using MetaLora.Formats;

namespace MetaLora.Tests.Formats;

/// <summary>Each malformed file is refused with one line naming the file, the tensor and the problem.</summary>
public sealed class SafetensorsValidationTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly byte[] EightBytes = RawSafetensors.Floats(1f, 2f);

    private string Problem(byte[] file)
    {
        var path = _dir.WriteBytes("bad.safetensors", file);
        var fromHeader = Assert.Throws<BadInputException>(() => SafetensorsHeader.Read(path));
        var fromReader = Assert.Throws<BadInputException>(() => SafetensorsReader.Open(path));
        Assert.Equal(fromHeader.Message, fromReader.Message);
        Assert.DoesNotContain('\n', fromHeader.Message);
        Assert.StartsWith($"{path}: ", fromHeader.Message);
        return fromHeader.Message[(path.Length + 2)..];
    }

    private string Problem(string header, byte[]? data = null) => Problem(RawSafetensors.Build(header, data));

    [Fact]
    public void MissingFile()
    {
        var path = _dir.Combine("missing.safetensors");
        Assert.Equal($"{path}: file does not exist", Assert.Throws<BadInputException>(() => SafetensorsReader.Open(path)).Message);
    }

    [Fact]
    public void ShorterThanEightBytes() =>
        Assert.Equal("file is 5 bytes, too short for the 8-byte header length of a safetensors file", Problem([1, 2, 3, 4, 5]));

    [Fact]
    public void HeaderLengthPastTheEnd() =>
        Assert.Equal("header length 100 runs past the end of the file (12 bytes)", Problem(RawSafetensors.Build("{}  ", declaredLength: 100)));

    [Fact]
    public void HeaderLengthAbsurd() =>
        Assert.Equal("header length 18446744073709551615 exceeds the 100000000-byte limit (not a safetensors file?)",
            Problem(RawSafetensors.Build("{}", declaredLength: ulong.MaxValue)));

    [Fact]
    public void InvalidJson() => Assert.StartsWith("header is not valid JSON (", Problem("{\"a\": "));

    [Fact]
    public void InvalidUtf8() => Assert.Equal("header is not valid UTF-8", Problem([.. BitConverter.GetBytes(4UL), (byte)'"', 0xFF, (byte)'"', (byte)' ']));

    [Fact]
    public void NotAnObject() => Assert.Equal("header is a list, expected a JSON object", Problem("[1, 2]"));

    [Fact]
    public void EntryNotAnObject() =>
        Assert.Equal("tensor 'w': entry is a string, expected an object with dtype, shape and data_offsets", Problem("{\"w\": \"F32\"}"));

    [Theory]
    [InlineData("dtype", "{\"w\": {\"shape\": [2], \"data_offsets\": [0, 8]}}")]
    [InlineData("shape", "{\"w\": {\"dtype\": \"F32\", \"data_offsets\": [0, 8]}}")]
    [InlineData("data_offsets", "{\"w\": {\"dtype\": \"F32\", \"shape\": [2]}}")]
    public void MissingField(string field, string header) =>
        Assert.Equal($"tensor 'w': entry has no \"{field}\"", Problem(header, EightBytes));

    [Theory]
    [InlineData("{\"w\": {\"dtype\": 32, \"shape\": [2], \"data_offsets\": [0, 8]}}", "\"dtype\" is 32, expected a string")]
    [InlineData("{\"w\": {\"dtype\": \"F32\", \"shape\": 2, \"data_offsets\": [0, 8]}}", "\"shape\" is 2, expected a list of integers")]
    [InlineData("{\"w\": {\"dtype\": \"F32\", \"shape\": [2.5], \"data_offsets\": [0, 8]}}", "\"shape\" holds 2.5, expected integers")]
    [InlineData("{\"w\": {\"dtype\": \"F32\", \"shape\": [\"2\"], \"data_offsets\": [0, 8]}}", "\"shape\" holds a string, expected integers")]
    [InlineData("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": {\"begin\": 0}}}", "\"data_offsets\" is an object, expected a list of integers")]
    [InlineData("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 4, 8]}}", "\"data_offsets\" has 3 numbers, expected [begin, end]")]
    public void WrongFieldTypes(string header, string problem) =>
        Assert.Equal($"tensor 'w': {problem}", Problem(header, EightBytes));

    [Fact]
    public void UnknownDType() =>
        Assert.Equal("tensor 'w': unknown dtype 'F42'", Problem("{\"w\": {\"dtype\": \"F42\", \"shape\": [2], \"data_offsets\": [0, 8]}}", EightBytes));

    [Fact]
    public void NegativeDimension() =>
        Assert.Equal("tensor 'w': negative dimension -2 in shape [-2, -1]",
            Problem("{\"w\": {\"dtype\": \"F32\", \"shape\": [-2, -1], \"data_offsets\": [0, 8]}}", EightBytes));

    [Fact]
    public void NegativeOffset() =>
        Assert.Equal("tensor 'w': data_offsets [-8, 0] are negative", Problem("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [-8, 0]}}", EightBytes));

    [Fact]
    public void BeginAfterEnd() =>
        Assert.Equal("tensor 'w': data_offsets [8, 0] begin after they end", Problem("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 0]}}", EightBytes));

    [Fact]
    public void EndPastData() =>
        Assert.Equal("tensor 'w': data_offsets [0, 16] end past the data section (8 bytes)",
            Problem("{\"w\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}", EightBytes));

    [Fact]
    public void SizeMismatch() =>
        Assert.Equal("tensor 'w': shape [3] of F32 needs 12 bytes but data_offsets [0, 8] span 8",
            Problem("{\"w\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}}", EightBytes));

    [Fact]
    public void ShapeTooLarge() =>
        Assert.Equal("tensor 'w': shape [4294967296, 4294967296] is too large",
            Problem("{\"w\": {\"dtype\": \"F32\", \"shape\": [4294967296, 4294967296], \"data_offsets\": [0, 8]}}", EightBytes));

    [Fact]
    public void Overlap() =>
        Assert.Equal("tensor 'b': data_offsets [4, 8] overlap tensor 'a' [0, 8]",
            Problem("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, \"b\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", EightBytes));

    [Fact]
    public void ZeroSizeTensorInsideAnother() =>
        Assert.Equal("tensor 'e': data_offsets [4, 4] overlap tensor 'a' [0, 8]",
            Problem("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, \"e\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [4, 4]}}", EightBytes));

    [Fact]
    public void Hole() =>
        Assert.Equal("tensor 'b': bytes [4, 8) of the data section before it belong to no tensor",
            Problem("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}, \"b\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [8, 12]}}",
                RawSafetensors.Floats(1, 2, 3)));

    [Fact]
    public void HoleAtTheStart() =>
        Assert.Equal("tensor 'a': bytes [0, 4) of the data section before it belong to no tensor",
            Problem("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", EightBytes));

    [Fact]
    public void DataBeyondTheLastTensor() =>
        Assert.Equal("tensor 'a': the data section holds 4 bytes after this last tensor that belong to no tensor",
            Problem("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", EightBytes));

    [Fact]
    public void DataWithoutTensors() =>
        Assert.Equal("header lists no tensors but the data section holds 8 bytes", Problem("{}", EightBytes));

    [Fact]
    public void DuplicateTensor() =>
        Assert.Equal("tensor 'a' is listed twice in the header",
            Problem("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}, \"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", EightBytes));

    [Theory]
    [InlineData("{\"__metadata__\": [\"pt\"]}", "\"__metadata__\" is a list, expected an object of strings")]
    [InlineData("{\"__metadata__\": {\"format\": 1}}", "\"__metadata__\" entry 'format' is 1, expected a string")]
    public void BadMetadata(string header, string problem) => Assert.Equal(problem, Problem(header));

    [Fact]
    public void ControlCharactersInNamesAreEscaped() =>
        Assert.Equal("tensor 'a\\u000ab': unknown dtype 'X'", Problem("{\"a\\nb\": {\"dtype\": \"X\", \"shape\": [], \"data_offsets\": [0, 0]}}"));

    [Fact]
    public void AcceptsUnpaddedHeadersNullMetadataAndUnknownEntryFields()
    {
        var path = _dir.WriteBytes("ok.safetensors", RawSafetensors.Build(
            "{\"__metadata__\":null,\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"extra\":1}}", EightBytes));
        using var reader = SafetensorsReader.Open(path);
        Assert.Empty(reader.Metadata);
        Assert.Equal([1f, 2f], reader.ReadFloat32(reader["w"]));
    }

    [Fact]
    public void RecognisesAllDTypesWithTheirSizes()
    {
        (string Name, int Size)[] types =
        [
            ("BOOL", 1), ("U8", 1), ("I8", 1), ("F8_E4M3", 1), ("F8_E5M2", 1), ("U16", 2), ("I16", 2), ("F16", 2),
            ("BF16", 2), ("U32", 4), ("I32", 4), ("F32", 4), ("U64", 8), ("I64", 8), ("F64", 8),
        ];
        long offset = 0;
        var entries = new List<string>();
        foreach (var (name, size) in types)
        {
            entries.Add($"\"{name}\": {{\"dtype\": \"{name}\", \"shape\": [3], \"data_offsets\": [{offset}, {offset + 3 * size}]}}");
            offset += 3 * size;
        }
        var path = _dir.WriteBytes("all.safetensors", RawSafetensors.Build("{" + string.Join(", ", entries) + "}", new byte[offset]));
        using var reader = SafetensorsReader.Open(path);
        foreach (var (name, size) in types)
        {
            Assert.Equal(name, reader[name].DType.HeaderName());
            Assert.Equal(size, reader[name].DType.ElementSize());
            Assert.Equal(3 * size, reader.GetBytes(reader[name]).Length);
        }
    }
}
