using System.Globalization;
using System.Text;
using MetaLora.IO;

namespace MetaLora.Formats;

/// <summary>
/// N x N matrix as CSV: a header of an empty cell then the task names, then one row per task: its name,
/// then N values. Values use round-trip formatting, so reading gives back the same bits. Fields holding
/// a comma or quote are quoted (RFC 4180); lines end with "\n". Read and written with CsvHelper
/// (see <see cref="Csv"/>).
/// </summary>
public static class MatrixCsv
{
    public static void Write(string path, IReadOnlyList<string> names, double[,] values)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(values);
        var n = names.Count;
        if (values.GetLength(0) != n || values.GetLength(1) != n)
            throw new ArgumentException($"{n} names but a {values.GetLength(0)} x {values.GetLength(1)} matrix", nameof(values));
        foreach (var name in names)
            if (name.Contains('\n') || name.Contains('\r'))
                throw new BadInputException($"task name '{name.ReplaceLineEndings(" ")}' contains a line break, which a matrix CSV cannot hold");
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
                if (!double.IsFinite(values[i, j]))
                    throw new ArgumentException($"entry ({names[i]}, {names[j]}) is {values[i, j]}; only finite values can be written", nameof(values));

        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16, leaveOpen: true);
            using var csv = Csv.Writer(writer, NeedsQuotes);
            csv.WriteField("");
            foreach (var name in names)
                csv.WriteField(name);
            csv.EndRecord();
            for (var i = 0; i < n; i++)
            {
                csv.WriteField(names[i]);
                for (var j = 0; j < n; j++)
                    csv.WriteField(values[i, j].ToString("R", CultureInfo.InvariantCulture));
                csv.EndRecord();
            }
        });
    }

    public static NamedMatrix Read(string path)
    {
        if (!File.Exists(path))
            throw BadInputException.At(path, "file not found");
        using var csv = Csv.Open(path);
        if (!csv.Read())
            throw BadInputException.At(path, "empty file; expected a header of task names");

        var header = Csv.Fields(csv);
        if (header[0].Length != 0)
            throw BadInputException.At(path, $"the header's first cell must be empty, found '{header[0]}'", 1);
        var names = header.Skip(1).ToArray();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (name.Length == 0)
                throw BadInputException.At(path, "empty task name in the header", 1);
            if (!seen.Add(name))
                throw BadInputException.At(path, $"task name '{name}' occurs more than once in the header", 1);
        }

        var n = names.Length;
        var values = new double[n, n];
        var rows = 0;
        while (csv.Read())
        {
            var line = Csv.Line(csv);
            if (rows == n)
                throw BadInputException.At(path, $"row beyond the {n} named in the header; the matrix must be square", line);
            var fields = Csv.Fields(csv);
            if (fields.Length != n + 1)
                throw BadInputException.At(path, $"{fields.Length} cells, expected {n + 1} (a name and {n} values)", line);
            var i = rows++;
            if (fields[0] != names[i])
                throw BadInputException.At(path, $"row name '{fields[0]}' differs from column {i + 1}'s name '{names[i]}'", line);
            for (var j = 0; j < n; j++)
            {
                var text = fields[j + 1];
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                    throw BadInputException.At(path, $"cannot read '{text}' (column '{names[j]}') as a number", line);
                if (!double.IsFinite(value))
                    throw BadInputException.At(path, $"value '{text}' (column '{names[j]}') is not finite", line);
                values[i, j] = value;
            }
        }
        if (rows < n)
            throw BadInputException.At(path, $"{n} task names in the header but only {rows} rows; the matrix must be square");
        return new NamedMatrix(names, values);
    }

    private static bool NeedsQuotes(ReadOnlySpan<char> field) => field.IndexOfAny(",\"") >= 0;
}
