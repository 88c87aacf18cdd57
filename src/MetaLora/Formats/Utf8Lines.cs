using System.Buffers;

namespace MetaLora.Formats;

/// <summary>
/// Splits a stream into lines of raw bytes, so that each line can be checked and parsed on its own
/// and errors carry exact line numbers (a text reader decodes ahead, past the line being read).
/// Lines end at '\n'; a trailing '\r' and a leading UTF-8 byte order mark are dropped.
/// Each line is valid only until the next one is read.
/// </summary>
internal static class Utf8Lines
{
    public static IEnumerable<(int Number, ReadOnlyMemory<byte> Line)> Read(Stream stream)
    {
        var chunk = new byte[1 << 16];
        var line = new ArrayBufferWriter<byte>();
        var number = 0;
        int read;
        while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            var rest = chunk.AsMemory(0, read);
            int end;
            while ((end = rest.Span.IndexOf((byte)'\n')) >= 0)
            {
                line.Write(rest.Span[..end]);
                yield return (++number, Trim(line.WrittenMemory, number));
                line.ResetWrittenCount();
                rest = rest[(end + 1)..];
            }
            line.Write(rest.Span);
        }
        if (line.WrittenCount > 0) yield return (++number, Trim(line.WrittenMemory, number));
    }

    private static ReadOnlyMemory<byte> Trim(ReadOnlyMemory<byte> line, int number)
    {
        if (number == 1 && line.Span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) line = line[3..];
        if (line.Span.EndsWith((byte)'\r')) line = line[..^1];
        return line;
    }
}
