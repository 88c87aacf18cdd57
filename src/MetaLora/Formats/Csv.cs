using CsvHelper;

namespace MetaLora.Formats;

/// <summary>
/// The tool's CSV dialect on CsvHelper, shared by its tables. Writing: "\n" line ends, no byte-order
/// mark, quotes only where the caller's rule asks, values as the caller formatted them. Reading: RFC
/// 4180 quotes that open and close on one line, every line a record (blank ones too, so callers decide),
/// and line numbers for messages.
/// </summary>
internal static class Csv
{
    /// <summary>
    /// A writer onto <paramref name="text"/> that quotes a field when <paramref name="needsQuotes"/>
    /// says so (CsvHelper also quotes any field holding a line break).
    /// </summary>
    public static CsvWriter Writer(TextWriter text, Func<ReadOnlySpan<char>, bool> needsQuotes) =>
        CsvWriter.Create(text, new CsvWriterOptions
        {
            NewLine = "\n",
            ShouldQuote = (field, _, _, _) => needsQuotes(field),
            // Cells are names and numbers, never formulas: a leading '-' or '=' is written as is.
            Injection = CsvInjection.None,
        }, leaveOpen: true);

    /// <summary>The fields of <paramref name="path"/>, which must exist; see <see cref="FromText"/>.</summary>
    public static CsvReader Open(string path, char separator = ',') =>
        CsvReader.Create(File.OpenText(path), Options(path, separator), leaveOpen: false);

    /// <summary>
    /// The records of <paramref name="text"/>, named <paramref name="path"/> in messages. A quoted field
    /// left open at the end of its line, or followed by text, is <see cref="BadInputException"/>; a quote
    /// inside an unquoted field is kept as text. <paramref name="separator"/> '\t' reads tab-separated
    /// lines, where quotes have no meaning.
    /// </summary>
    public static CsvReader FromText(string text, string path, char separator = ',') =>
        CsvReader.FromText(text, Options(path, separator));

    /// <summary>The current record's fields.</summary>
    public static string[] Fields(CsvReader reader)
    {
        var fields = new string[reader.FieldCount];
        for (var i = 0; i < fields.Length; i++)
            fields[i] = reader.GetString(i);
        return fields;
    }

    /// <summary>The 1-based line of the current record.</summary>
    public static int Line(CsvReader reader) => checked((int)reader.LineNumber);

    /// <summary>Whether the current record is an empty line.</summary>
    public static bool IsBlank(CsvReader reader) => reader.RawRecord.IsEmpty;

    private static CsvReaderOptions Options(string path, char separator) => new()
    {
        Separator = separator,
        DetectSeparatorHint = false,
        Mode = separator == '\t' ? CsvMode.NoEscape : CsvMode.Rfc4180,
        HasHeader = false,
        SkipEmptyLines = false,
        AllowLineBreaksInQuotes = false,
        TrackLineNumbers = true,
        FieldCountMismatch = CsvFieldCountHandling.Allow,
        MalformedData = CsvMalformedDataHandling.Recover,
        OnMalformedRecord = record =>
        {
            var line = checked((int)record.LineNumber);
            switch (record.Reason)
            {
                case CsvMalformedReason.StrayQuote:
                    return;
                case CsvMalformedReason.UnterminatedQuote or CsvMalformedReason.LineBreakInQuotes:
                    throw BadInputException.At(path, "unterminated quoted field (a quoted field must close on its line)", line);
                case CsvMalformedReason.TextAfterClosingQuote:
                    throw BadInputException.At(path, "text after a closing quote", line);
                default:
                    throw BadInputException.At(path, $"malformed record ({record.Reason})", line);
            }
        },
    };
}
