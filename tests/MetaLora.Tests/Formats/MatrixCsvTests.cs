using System.Text;
using MetaLora.Formats;

namespace MetaLora.Tests.Formats;

public sealed class MatrixCsvTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("matrixcsv-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private string WriteText(string text)
    {
        var path = PathOf("in.csv");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Round_trip_is_bit_exact()
    {
        var random = new Random(9);
        string[] names = ["alpha", "with,comma", "with \"quote\"", "task_1391"];
        var values = new double[4, 4];
        for (var i = 0; i < 4; i++)
            for (var j = 0; j < 4; j++)
                values[i, j] = (i * 4 + j) switch
                {
                    1 => double.Epsilon,
                    2 => double.MaxValue,
                    3 => -0.0,
                    4 => 1e-300,
                    5 => 0.1 + 0.2,
                    _ => Math.Exp(random.NextDouble() * 40 - 20) * (random.Next(2) * 2 - 1),
                };
        var path = PathOf("m.csv");
        MatrixCsv.Write(path, names, values);
        var read = MatrixCsv.Read(path);
        Assert.Equal(names, read.Names);
        for (var i = 0; i < 4; i++)
            for (var j = 0; j < 4; j++)
                Assert.Equal(BitConverter.DoubleToInt64Bits(values[i, j]), BitConverter.DoubleToInt64Bits(read.Values[i, j]));
    }

    [Fact]
    public void Layout_is_header_then_named_rows_with_newlines()
    {
        var path = PathOf("m.csv");
        MatrixCsv.Write(path, ["a", "b"], new[,] { { 0, 0.5 }, { 0.25, 0 } });
        Assert.Equal(",a,b\na,0,0.5\nb,0.25,0\n", File.ReadAllText(path));
        Assert.Empty(Directory.GetFiles(_dir, "*.partial-*"));
    }

    [Fact]
    public void Bytes_are_pinned()
    {
        // Quotes only around a comma or quote (a leading space, dash or equals sign stays bare),
        // doubled inner quotes, round-trip numbers, "\n" line ends, UTF-8 without a byte-order mark.
        var path = PathOf("m.csv");
        MatrixCsv.Write(path, ["with,comma", "say \"hi\"", " -tâche="], new[,]
        {
            { -0.0, 1e-300, double.Epsilon },
            { double.MaxValue, 0.1 + 0.2, -12345.678 },
            { 1e21, 123456789.0, -1.5e-7 },
        });
        const string Pinned =
            ",\"with,comma\",\"say \"\"hi\"\"\", -tâche=\n" +
            "\"with,comma\",-0,1E-300,5E-324\n" +
            "\"say \"\"hi\"\"\",1.7976931348623157E+308,0.30000000000000004,-12345.678\n" +
            " -tâche=,1E+21,123456789,-1.5E-07\n";
        Assert.Equal(Pinned, Encoding.UTF8.GetString(File.ReadAllBytes(path)));
        Assert.Equal(Encoding.UTF8.GetByteCount(Pinned), new FileInfo(path).Length);
    }

    [Fact]
    public void Crlf_and_missing_final_newline_are_accepted()
    {
        var read = MatrixCsv.Read(WriteText(",a,b\r\na,0,1\r\nb,2,0"));
        Assert.Equal(2.0, read.Values[1, 0]);
    }

    [Theory]
    [InlineData(",a,b\na,0,1\n", 0, "rows")]
    [InlineData(",a,b\na,0,1\nb,2,0\nc,1,1\n", 4, "beyond")]
    [InlineData(",a,b\na,0,1\nb,2\n", 3, "cells")]
    [InlineData(",a,b\na,0,1\nc,2,0\n", 3, "'c'")]
    [InlineData(",a,b\na,0,x1\nb,2,0\n", 2, "'x1'")]
    [InlineData(",a,b\na,0,NaN\nb,2,0\n", 2, "not finite")]
    [InlineData(",a,b\na,0,Infinity\nb,2,0\n", 2, "not finite")]
    [InlineData("x,a,b\na,0,1\nb,2,0\n", 1, "empty")]
    [InlineData(",a,a\na,0,1\na,2,0\n", 1, "more than once")]
    [InlineData(",a,\"b\na,0,1\n", 1, "unterminated")]
    [InlineData(",a,\"b\"x\na,0,1\n", 1, "closing quote")]
    [InlineData(",a,b\na,0,1\nb,\"2,0\n", 3, "unterminated")]
    [InlineData(",a,b\n\na,0,1\nb,2,0\n", 2, "cells")]
    [InlineData("", 0, "empty file")]
    public void Malformed_files_name_file_and_line(string text, int line, string problem)
    {
        var path = WriteText(text);
        var e = Assert.Throws<BadInputException>(() => MatrixCsv.Read(path));
        Assert.StartsWith(line > 0 ? $"{path}:{line}: " : $"{path}", e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void Missing_file_is_bad_input() =>
        Assert.Contains("not found", Assert.Throws<BadInputException>(() => MatrixCsv.Read(PathOf("nope.csv"))).Message);

    [Fact]
    public void Writing_rejects_non_finite_values_and_shape_mismatch()
    {
        Assert.Throws<ArgumentException>(() => MatrixCsv.Write(PathOf("m.csv"), ["a"], new[,] { { double.NaN } }));
        Assert.Throws<ArgumentException>(() => MatrixCsv.Write(PathOf("m.csv"), ["a", "b"], new double[1, 1]));
        Assert.Throws<BadInputException>(() => MatrixCsv.Write(PathOf("m.csv"), ["a\nb"], new double[1, 1]));
        Assert.False(File.Exists(PathOf("m.csv")));
    }
}
