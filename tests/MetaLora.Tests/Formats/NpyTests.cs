using System.Text;
using MetaLora.Formats;

namespace MetaLora.Tests.Formats;

public sealed class NpyTests
{
    private static readonly int[] FixtureValues = [0, 1, -1, 15496, 995, int.MaxValue, int.MinValue];

    [Fact]
    public void Write_IsByteIdenticalToNumpySave()
    {
        using var dir = new TempDir();
        var path = dir.Combine("out.npy");
        Npy.WriteInt32(path, FixtureValues);
        Assert.Equal(File.ReadAllBytes(Fixtures.Path("int32_small.npy")), File.ReadAllBytes(path));
    }

    [Fact]
    public void Read_NumpyFixture()
    {
        Assert.Equal(FixtureValues, Npy.ReadInt32(Fixtures.Path("int32_small.npy")));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(123_457)]
    public void RoundTrip_KeepsValuesAndAlignsHeader(int count)
    {
        using var dir = new TempDir();
        var path = dir.Combine("a.npy");
        var data = Enumerable.Range(0, count).Select(i => i * 7919 - 50_000).ToArray();
        Npy.WriteInt32(path, data);

        Assert.Equal(data, Npy.ReadInt32(path));
        var bytes = File.ReadAllBytes(path);
        var preamble = bytes.Length - count * sizeof(int);
        Assert.Equal(0, preamble % 64);
        Assert.Equal((byte)'\n', bytes[preamble - 1]);
        Assert.Contains($"'shape': ({count},), }}", Encoding.ASCII.GetString(bytes, 0, preamble));
    }

    [Fact]
    public void Read_AcceptsVersion2Header()
    {
        using var dir = new TempDir();
        var path = dir.WriteBytes("v2.npy", Build(2, "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", [5, 6]));
        Assert.Equal([5, 6], Npy.ReadInt32(path));
    }

    [Theory]
    [InlineData("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", "array type is '<i8', expected little-endian int32 ('<i4')")]
    [InlineData("{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }", "array type is '>i4'")]
    [InlineData("{'descr': '<i4', 'fortran_order': True, 'shape': (2,), }", "Fortran order")]
    [InlineData("{'descr': '<i4', 'fortran_order': False, 'shape': (1, 2), }", "array shape is (1, 2), expected one dimension")]
    [InlineData("{'descr': '<i4', 'fortran_order': False, 'shape': (), }", "expected one dimension")]
    [InlineData("{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", "header says 3 int32 values (12 bytes) but the file holds 8 data bytes")]
    [InlineData("{'fortran_order': False, 'shape': (2,), }", "no readable 'descr' entry")]
    public void Read_RejectsUnsupportedHeaders(string header, string problem)
    {
        using var dir = new TempDir();
        var path = dir.WriteBytes("bad.npy", Build(1, header, [5, 6]));
        var e = Assert.Throws<BadInputException>(() => Npy.ReadInt32(path));
        Assert.StartsWith($"{path}: ", e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void Read_RejectsOtherFiles()
    {
        using var dir = new TempDir();
        var text = dir.Write("tokens.npy", "0 1 2\n");
        Assert.Equal($"{text}: not a .npy file (no \\x93NUMPY magic)", Assert.Throws<BadInputException>(() => Npy.ReadInt32(text)).Message);

        var v9 = dir.WriteBytes("v9.npy", [0x93, .. "NUMPY"u8, 9, 0, 0, 0]);
        Assert.Equal($"{v9}: .npy format version 9.0 is not supported", Assert.Throws<BadInputException>(() => Npy.ReadInt32(v9)).Message);

        var missing = dir.Combine("missing.npy");
        Assert.Equal($"{missing}: file does not exist", Assert.Throws<BadInputException>(() => Npy.ReadInt32(missing)).Message);
    }

    [Fact]
    public void Write_LeavesNoTemporaryFiles()
    {
        using var dir = new TempDir();
        Npy.WriteInt32(dir.Combine("a.npy"), [1, 2, 3]);
        Assert.Equal(["a.npy"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    private static byte[] Build(int major, string dict, int[] data)
    {
        var lengthSize = major == 1 ? 2 : 4;
        var text = dict + "\n";
        var bytes = new List<byte>();
        bytes.Add(0x93);
        bytes.AddRange("NUMPY"u8.ToArray());
        bytes.Add((byte)major);
        bytes.Add(0);
        bytes.AddRange(BitConverter.GetBytes(text.Length).Take(lengthSize));
        bytes.AddRange(Encoding.ASCII.GetBytes(text));
        foreach (var v in data) bytes.AddRange(BitConverter.GetBytes(v));
        return [.. bytes];
    }
}
