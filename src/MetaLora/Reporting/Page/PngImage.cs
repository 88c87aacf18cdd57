using System.Buffers.Binary;
using System.IO.Compression;

namespace MetaLora.Reporting.Page;

/// <summary>
/// A minimal PNG encoder (8-bit indexed colour) for the heatmaps: one pixel per cell keeps a
/// 502 x 502 matrix small where SVG would need a quarter of a million elements, and a palette of
/// 256 shades is a third of the bytes of RGB.
/// </summary>
internal static class PngImage
{
    private static readonly uint[] CrcTable = MakeCrcTable();

    /// <summary>PNG bytes of an image given as one palette index per pixel, row by row, and its palette (RGB triples).</summary>
    public static byte[] Encode(int width, int height, ReadOnlySpan<byte> indices, ReadOnlySpan<byte> palette)
    {
        if (width <= 0 || height <= 0 || indices.Length != width * height)
            throw new ArgumentException($"expected {width} x {height} palette indices, got {indices.Length}");
        if (palette.Length % 3 != 0 || palette.Length == 0 || palette.Length > 256 * 3)
            throw new ArgumentException($"a palette is 1 to 256 RGB triples, got {palette.Length} bytes");
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);

        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8;  // bits per index
        header[9] = 3;  // colour type: indexed
        header[10] = header[11] = header[12] = 0; // deflate, adaptive filtering, no interlace
        Chunk(png, "IHDR", header);
        Chunk(png, "PLTE", palette);

        using var raw = new MemoryStream();
        using (var z = new ZLibStream(raw, CompressionLevel.Optimal, leaveOpen: true))
        {
            var filtered = new byte[width];
            for (var y = 0; y < height; y++)
            {
                var row = indices.Slice(y * width, width);
                // Filter "up" (the difference from the row above) when it leaves smaller bytes: matrices
                // whose neighbouring tasks draw on the same adapters then compress to little.
                if (y > 0 && Cost(row, indices.Slice((y - 1) * width, width), filtered) < Cost(row))
                {
                    z.WriteByte(2);
                    z.Write(filtered);
                }
                else
                {
                    z.WriteByte(0);
                    z.Write(row);
                }
            }
        }
        Chunk(png, "IDAT", raw.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>The usual filter heuristic: the sum of the bytes taken as signed.</summary>
    private static long Cost(ReadOnlySpan<byte> row)
    {
        long sum = 0;
        foreach (var b in row) sum += Math.Abs((sbyte)b);
        return sum;
    }

    private static long Cost(ReadOnlySpan<byte> row, ReadOnlySpan<byte> above, Span<byte> filtered)
    {
        for (var x = 0; x < row.Length; x++) filtered[x] = (byte)(row[x] - above[x]);
        return Cost(filtered);
    }

    private static void Chunk(Stream png, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        png.Write(word);
        Span<byte> typeBytes = [(byte)type[0], (byte)type[1], (byte)type[2], (byte)type[3]];
        png.Write(typeBytes);
        png.Write(data);
        var crc = Crc(Crc(0xFFFFFFFFu, typeBytes), data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        png.Write(word);
    }

    private static uint Crc(uint crc, ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes) crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    private static uint[] MakeCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
