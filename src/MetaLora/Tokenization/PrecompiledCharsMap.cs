using System.Buffers.Binary;

namespace MetaLora.Tokenization;

/// <summary>
/// A normaliser's precompiled character map (nmt_nfkc and friends): a little-endian uint32 byte
/// length, a darts-clone double-array trie over UTF-8 keys, then the replacement strings, each ended
/// by a NUL byte. A trie value is the offset of its replacement in that string blob.
/// </summary>
internal sealed class PrecompiledCharsMap
{
    private readonly uint[] _units;
    private readonly byte[] _replacements;

    private PrecompiledCharsMap(uint[] units, byte[] replacements)
    {
        _units = units;
        _replacements = replacements;
    }

    /// <exception cref="FormatException">The blob is truncated or inconsistent.</exception>
    public static PrecompiledCharsMap Parse(byte[] blob)
    {
        if (blob.Length <= 4) throw new FormatException("precompiled_charsmap is too short");
        var trieBytes = BinaryPrimitives.ReadUInt32LittleEndian(blob);
        if (trieBytes >= (uint)blob.Length - 4 || trieBytes % 4 != 0 || trieBytes == 0)
            throw new FormatException($"precompiled_charsmap's trie size {trieBytes} does not fit its {blob.Length} bytes");
        var units = new uint[trieBytes / 4];
        for (var i = 0; i < units.Length; i++) units[i] = BinaryPrimitives.ReadUInt32LittleEndian(blob.AsSpan(4 + 4 * i));
        return new PrecompiledCharsMap(units, blob[(int)(4 + trieBytes)..]);
    }

    /// <summary>
    /// The longest key that prefixes <paramref name="input"/>: its byte length and replacement
    /// (NUL-terminated in the blob), or length 0 when no key matches.
    /// </summary>
    public int LongestMatch(ReadOnlySpan<byte> input, out ReadOnlySpan<byte> replacement)
    {
        replacement = default;
        var longest = 0;
        uint node = Offset(_units[0]);
        for (var i = 0; i < input.Length; i++)
        {
            node ^= input[i];
            if (node >= _units.Length) break;
            var unit = _units[node];
            if ((unit & 0x800000FFu) != input[i]) break;
            node ^= Offset(unit);
            if (((unit >> 8) & 1) == 0) continue;
            if (node >= _units.Length) break;
            var value = (int)(_units[node] & 0x7FFFFFFFu);
            if (value >= _replacements.Length) throw new FormatException($"precompiled_charsmap points outside its strings ({value})");
            longest = i + 1;
            var rest = _replacements.AsSpan(value);
            var end = rest.IndexOf((byte)0);
            replacement = end < 0 ? rest : rest[..end];
        }
        return longest;
    }

    private static uint Offset(uint unit) => (unit >> 10) << (int)((unit & (1u << 9)) >> 6);
}
