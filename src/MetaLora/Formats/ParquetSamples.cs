using Parquet;
using Parquet.Data;
using Parquet.Schema;

namespace MetaLora.Formats;

/// <summary>
/// Reads samples from a parquet file as Hugging Face datasets store them: a string column
/// <c>input</c>, a column <c>output</c> holding a list of strings (or one string), and an optional
/// <c>id</c> column (string or integer). Other columns are ignored, so they are never decoded.
/// Columns are read raw (values plus definition/repetition levels): in Parquet.Net 6.1.0 the
/// string convenience read throws on list columns with nullable items, the usual Arrow layout.
/// </summary>
public static class ParquetSamples
{
    /// <param name="path">The file to read.</param>
    /// <param name="split">Names the split in default ids ("&lt;split&gt;-&lt;index&gt;").</param>
    /// <param name="firstIndex">Index of the file's first sample within its split.</param>
    public static IReadOnlyList<Sample> Read(string path, string split, int firstIndex = 0)
    {
        if (!File.Exists(path)) throw BadInputException.At(path, "file does not exist");
        try
        {
            return ReadAsync(path, split, firstIndex).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is ParquetException or IOException or InvalidDataException
                                       or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            // Parquet.Net reports damaged or unsupported files with assorted exception types.
            throw BadInputException.At(path, $"cannot read parquet ({OneLine(e.Message)})");
        }
    }

    private static async Task<IReadOnlyList<Sample>> ReadAsync(string path, string split, int firstIndex)
    {
        await using var reader = await ParquetReader.CreateAsync(path);
        var fields = reader.Schema.Fields;
        var input = StringColumn(path, fields, "input", required: true)!;
        var output = OutputColumn(path, fields);
        var id = IdColumn(path, fields);

        var samples = new List<Sample>();
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            var group = reader.OpenRowGroupReader(g);
            var rows = checked((int)group.RowCount);
            var inputs = await ReadFlat(group, input, rows);
            var outputs = output.Item is { } item
                ? await ReadLists(group, item, rows)
                : (await ReadFlat(group, output.Flat!, rows)).Select(s => s is null ? null : new[] { s }).ToArray();
            var ids = id is null ? null : await ReadIds(group, id, rows);

            for (var r = 0; r < rows; r++)
            {
                var index = firstIndex + samples.Count;
                var where = $"row {samples.Count}";
                var text = inputs[r] ?? throw BadInputException.At(path, $"{where}: \"input\" is null");
                var answers = outputs[r];
                if (answers is null || answers.Length == 0)
                    throw BadInputException.At(path, $"{where}: \"output\" is null or an empty list");
                if (Array.IndexOf(answers, null) is var nullAt and >= 0)
                    throw BadInputException.At(path, $"{where}: \"output\"[{nullAt}] is null");
                samples.Add(new Sample(ids?[r] ?? $"{split}-{index}", text, answers!));
            }
        }
        return samples;
    }

    private sealed record Output(DataField? Flat, DataField? Item);

    private static DataField? StringColumn(string path, IReadOnlyList<Field> fields, string name, bool required)
    {
        var field = fields.FirstOrDefault(f => f.Name == name);
        if (field is null)
        {
            if (!required) return null;
            throw BadInputException.At(path, $"no \"{name}\" column (columns: {string.Join(", ", fields.Select(f => f.Name))})");
        }
        if (field is DataField data && IsString(data)) return data;
        throw BadInputException.At(path, $"column \"{name}\" must hold strings, found {Describe(field)}");
    }

    private static Output OutputColumn(string path, IReadOnlyList<Field> fields)
    {
        var field = fields.FirstOrDefault(f => f.Name == "output")
            ?? throw BadInputException.At(path, $"no \"output\" column (columns: {string.Join(", ", fields.Select(f => f.Name))})");
        return field switch
        {
            DataField data when IsString(data) => new Output(data, null),
            ListField { Item: DataField item } when IsString(item) => new Output(null, item),
            _ => throw BadInputException.At(path, $"column \"output\" must hold a list of strings or a string, found {Describe(field)}"),
        };
    }

    private static DataField? IdColumn(string path, IReadOnlyList<Field> fields)
    {
        var field = fields.FirstOrDefault(f => f.Name == "id");
        if (field is null) return null;
        if (field is DataField data && (IsString(data) || IsInteger(data))) return data;
        throw BadInputException.At(path, $"column \"id\" must hold strings or integers, found {Describe(field)}");
    }

    private static bool IsString(DataField f) => f.ClrType == typeof(string) || f.ClrType == typeof(ReadOnlyMemory<char>);

    private static bool IsInteger(DataField f) => f.ClrType == typeof(int) || f.ClrType == typeof(long);

    private static string Describe(Field f) => f is DataField d ? d.ClrType.Name : f.SchemaType.ToString().ToLowerInvariant();

    /// <summary>One value per row (null where the row has none) of a top-level column.</summary>
    private static async Task<string?[]> ReadFlat(ParquetRowGroupReader group, DataField field, int rows)
    {
        using var raw = await group.ReadRawColumnDataBaseAsync(field);
        var values = Strings(raw);
        var result = new string?[rows];
        // Values hold only the non-null entries, in order; definition levels say which rows have one.
        var hasLevels = field.MaxDefinitionLevel > 0;
        var levels = hasLevels ? raw.DefinitionLevels : default;
        for (int r = 0, v = 0; r < rows; r++)
            if (!hasLevels || levels[r] == field.MaxDefinitionLevel) result[r] = values[v++];
        return result;
    }

    /// <summary>
    /// Reassembles list rows from a list's leaf column: repetition level 0 starts a row, and an entry
    /// whose definition level is below the leaf's maximum is an empty list, a null list or a null item.
    /// </summary>
    private static async Task<string?[]?[]> ReadLists(ParquetRowGroupReader group, DataField item, int rows)
    {
        using var raw = await group.ReadRawColumnDataBaseAsync(item);
        var values = Strings(raw);
        var definition = raw.DefinitionLevels;
        var repetition = raw.RepetitionLevels;
        var maxDefinition = item.MaxDefinitionLevel;
        // Levels at which the entry is a null item rather than an empty or null list.
        var nullItemLevel = item.IsNullable ? maxDefinition - 1 : int.MaxValue;

        var result = new string?[]?[rows];
        var current = new List<string?>();
        int row = -1, v = 0;
        for (var e = 0; e < definition.Length; e++)
        {
            if (repetition[e] == 0)
            {
                if (row >= 0) result[row] = current.ToArray();
                if (++row >= rows) throw new InvalidDataException($"column \"{item.Path}\" has more rows than its row group");
                current.Clear();
            }
            if (definition[e] == maxDefinition) current.Add(values[v++]);
            else if (definition[e] == nullItemLevel) current.Add(null);
        }
        if (row >= 0) result[row] = current.ToArray();
        if (row != rows - 1) throw new InvalidDataException($"column \"{item.Path}\" has {row + 1} rows, its row group {rows}");
        return result;
    }

    private static async Task<string?[]> ReadIds(ParquetRowGroupReader group, DataField field, int rows)
    {
        if (IsString(field)) return await ReadFlat(group, field, rows);
        using var raw = await group.ReadRawColumnDataBaseAsync(field);
        var numbers = raw switch
        {
            RawColumnData<int> ints => ints.Values.ToArray().Select(i => (long)i).ToArray(),
            RawColumnData<long> longs => longs.Values.ToArray(),
            _ => throw new InvalidDataException($"column \"id\" decoded as {raw.GetType().Name}"),
        };
        var result = new string?[rows];
        var hasLevels = field.MaxDefinitionLevel > 0;
        var levels = hasLevels ? raw.DefinitionLevels : default;
        for (int r = 0, v = 0; r < rows; r++)
            if (!hasLevels || levels[r] == field.MaxDefinitionLevel)
                result[r] = numbers[v++].ToString(System.Globalization.CultureInfo.InvariantCulture);
        return result;
    }

    private static string[] Strings(RawColumnData raw) => raw switch
    {
        RawColumnData<ReadOnlyMemory<char>> memory => ToStrings(memory.Values),
        _ => throw new InvalidDataException($"string column decoded as {raw.GetType().Name}"),
    };

    private static string[] ToStrings(Span<ReadOnlyMemory<char>> values)
    {
        var result = new string[values.Length];
        for (var i = 0; i < values.Length; i++) result[i] = values[i].ToString();
        return result;
    }

    private static string OneLine(string message) => message.Replace('\r', ' ').Replace('\n', ' ');
}
