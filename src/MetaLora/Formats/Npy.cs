using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using MetaLora.IO;

namespace MetaLora.Formats;

/// <summary>
/// One-dimensional int32 arrays in NumPy's .npy format, so that token files can be checked with
/// <c>numpy.load</c>. The writer produces the same bytes as <c>numpy.save</c> (format 1.0).
/// </summary>
public static partial class Npy
{
    // 0x93 is a raw byte, not a character: a "\x93NUMPY"u8 literal would encode it as two bytes.
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
    private const int MagicLength = 6;
    private const int Alignment = 64;

    // numpy leaves room for the length to grow in place (GROWTH_AXIS_MAX_DIGITS in numpy/lib/format.py).
    private const int GrowthAxisMaxDigits = 21;

    public static void WriteInt32(string path, ReadOnlySpan<int> data)
    {
        var header = Header(data.Length);
        var bytes = new byte[header.Length + (long)data.Length * sizeof(int)];
        header.CopyTo(bytes, 0);
        var body = MemoryMarshal.Cast<byte, int>(bytes.AsSpan(header.Length));
        data.CopyTo(body);
        if (!BitConverter.IsLittleEndian) BinaryPrimitives.ReverseEndianness(body, body);
        AtomicFile.WriteAllBytes(path, bytes);
    }

    public static int[] ReadInt32(string path)
    {
        var bytes = InputFile.ReadAllBytes(path);

        if (bytes.Length < MagicLength + 2 || !bytes.AsSpan(0, MagicLength).SequenceEqual(Magic))
            throw BadInputException.At(path, "not a .npy file (no \\x93NUMPY magic)");
        int major = bytes[MagicLength];
        // Versions 2 and 3 differ from 1 only in a 4-byte header length (and 3 in a UTF-8 header).
        var lengthSize = major switch
        {
            1 => 2,
            2 or 3 => 4,
            _ => throw BadInputException.At(path, $".npy format version {major}.{bytes[MagicLength + 1]} is not supported"),
        };
        var start = MagicLength + 2 + lengthSize;
        if (bytes.Length < start) throw BadInputException.At(path, "truncated .npy header");
        long headerLength = lengthSize == 2
            ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(MagicLength + 2))
            : BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(MagicLength + 2));
        if (bytes.Length < start + headerLength) throw BadInputException.At(path, "truncated .npy header");
        var header = Encoding.UTF8.GetString(bytes, start, (int)headerLength);

        var descr = HeaderField(path, header, "descr", DescrPattern());
        if (descr != "<i4")
            throw BadInputException.At(path, $"array type is '{descr}', expected little-endian int32 ('<i4')");
        if (HeaderField(path, header, "fortran_order", FortranPattern()) != "False")
            throw BadInputException.At(path, "array is in Fortran order, expected C order");
        var shape = HeaderField(path, header, "shape", ShapePattern());
        var dims = shape.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (dims.Length != 1 || !long.TryParse(dims[0], out var count) || count < 0)
            throw BadInputException.At(path, $"array shape is ({shape}), expected one dimension");

        var dataStart = start + headerLength;
        var dataLength = bytes.Length - dataStart;
        if (dataLength != count * sizeof(int))
            throw BadInputException.At(path, $"header says {count} int32 values ({count * sizeof(int)} bytes) but the file holds {dataLength} data bytes");

        var result = MemoryMarshal.Cast<byte, int>(bytes.AsSpan((int)dataStart)).ToArray();
        if (!BitConverter.IsLittleEndian) BinaryPrimitives.ReverseEndianness(result, result);
        return result;
    }

    private static byte[] Header(int count)
    {
        var dict = $"{{'descr': '<i4', 'fortran_order': False, 'shape': ({count},), }}";
        var digits = count.ToString(System.Globalization.CultureInfo.InvariantCulture).Length;
        dict += new string(' ', Math.Max(0, GrowthAxisMaxDigits - digits));
        var unpadded = MagicLength + 2 + 2 + dict.Length + 1;
        var padding = (Alignment - unpadded % Alignment) % Alignment;
        var text = dict + new string(' ', padding) + "\n";

        var header = new byte[MagicLength + 2 + 2 + text.Length];
        Magic.CopyTo(header);
        header[MagicLength] = 1;
        header[MagicLength + 1] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(MagicLength + 2), checked((ushort)text.Length));
        Encoding.ASCII.GetBytes(text, header.AsSpan(MagicLength + 4));
        return header;
    }

    private static string HeaderField(string path, string header, string key, Regex pattern)
    {
        var match = pattern.Match(header);
        if (!match.Success) throw BadInputException.At(path, $".npy header has no readable '{key}' entry");
        return match.Groups[1].Value;
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
