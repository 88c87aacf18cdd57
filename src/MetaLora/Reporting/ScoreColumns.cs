using System.Globalization;
using MetaLora.Formats;

namespace MetaLora.Reporting;

/// <summary>One score's table read back from its CSV (as <see cref="ScoreTable.WriteCsv"/> writes it): <c>Values[p][t]</c>, NaN for an empty cell.</summary>
internal sealed record ScoreColumns(IReadOnlyList<string> Tasks, IReadOnlyList<string> Pipelines, double[][] Values)
{
    public static ScoreColumns Read(string path)
    {
        if (!File.Exists(path)) throw BadInputException.At(path, "file does not exist; run the Evaluate target first");
        using var csv = Csv.Open(path);
        var header = csv.Read() ? Csv.Fields(csv) : [];
        if (header.Length < 2 || header[0] != "task")
            throw BadInputException.At(path, "expected a header \"task,<pipeline>,...\"", 1);
        var pipelines = header[1..];
        var tasks = new List<string>();
        var values = pipelines.Select(_ => new List<double>()).ToArray();
        while (csv.Read())
        {
            if (Csv.IsBlank(csv)) continue;
            var line = Csv.Line(csv);
            var cells = Csv.Fields(csv);
            if (cells.Length != pipelines.Length + 1)
                throw BadInputException.At(path, $"expected {pipelines.Length + 1} fields, found {cells.Length}", line);
            tasks.Add(cells[0]);
            for (var p = 0; p < pipelines.Length; p++)
            {
                if (cells[p + 1].Length == 0) { values[p].Add(double.NaN); continue; }
                if (!double.TryParse(cells[p + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
                    throw BadInputException.At(path, $"'{cells[p + 1]}' in column {pipelines[p]} is not a number", line);
                values[p].Add(v);
            }
        }
        return new ScoreColumns(tasks, pipelines, values.Select(v => v.ToArray()).ToArray());
    }
}
