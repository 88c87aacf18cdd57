using System.Globalization;
using System.Text;
using MetaLora.Pipeline;

namespace MetaLora.Formats;

/// <summary>
/// N x N matrix as CSV: a header of an empty cell then the task names, then one row per task: its name,
/// then N values. Values use round-trip formatting, so reading gives back the same bits. Fields holding
/// a comma or quote are quoted (RFC 4180); lines end with "\n".
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
            using var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
            foreach (var name in names)
            {
                writer.Write(',');
                writer.Write(Quote(name));
            }
            writer.Write('\n');
            for (var i = 0; i < n; i++)
            {
                writer.Write(Quote(names[i]));
                for (var j = 0; j < n; j++)
                {
                    writer.Write(',');
                    writer.Write(values[i, j].ToString("R", CultureInfo.InvariantCulture));
                }
                writer.Write('\n');
            }
        });
    }

    public static NamedMatrix Read(string path)
    {
        if (!File.Exists(path))
            throw BadInputException.At(path, "file not found");
        var lines = File.ReadAllText(path).Split('\n');
        var count = lines.Length;
        if (count > 0 && lines[^1].Length == 0)
            count--; // the final line break
        if (count == 0)
            throw BadInputException.At(path, "empty file; expected a header of task names");

        var header = Fields(lines[0], path, 1);
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
        for (var i = 0; i < Math.Min(n, count - 1); i++)
        {
            var line = i + 2;
            var fields = Fields(lines[i + 1], path, line);
            if (fields.Count != n + 1)
                throw BadInputException.At(path, $"{fields.Count} cells, expected {n + 1} (a name and {n} values)", line);
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
        if (count - 1 < n)
            throw BadInputException.At(path, $"{n} task names in the header but only {count - 1} rows; the matrix must be square");
        if (count - 1 > n)
            throw BadInputException.At(path, $"row beyond the {n} named in the header; the matrix must be square", n + 2);
        return new NamedMatrix(names, values);
    }

    private static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"") < 0 ? field : "\"" + field.Replace("\"", "\"\"") + "\"";

    /// <summary>Splits one line into RFC 4180 fields; a "\r" before the line break is ignored.</summary>
    private static List<string> Fields(string line, string path, int lineNumber)
    {
        if (line.EndsWith('\r'))
            line = line[..^1];
        var fields = new List<string>();
        var field = new StringBuilder();
        var k = 0;
        while (true)
        {
            field.Clear();
            if (k < line.Length && line[k] == '"')
            {
                k++;
                while (true)
                {
                    if (k >= line.Length)
                        throw BadInputException.At(path, $"unterminated quoted field (cell {fields.Count + 1})", lineNumber);
                    if (line[k] == '"')
                    {
                        if (k + 1 < line.Length && line[k + 1] == '"') { field.Append('"'); k += 2; continue; }
                        k++;
                        break;
                    }
                    field.Append(line[k++]);
                }
                if (k < line.Length && line[k] != ',')
                    throw BadInputException.At(path, $"text after a closing quote (cell {fields.Count + 1})", lineNumber);
            }
            else
            {
                var end = line.IndexOf(',', k);
                if (end < 0) end = line.Length;
                field.Append(line, k, end - k);
                k = end;
            }
            fields.Add(field.ToString());
            if (k >= line.Length)
                return fields;
            k++; // the comma
        }
    }
}
