using System.Text;

namespace MetaLora.Tests.Formats;

/// <summary>Hand-built safetensors bytes, so the reader is tested on files our writer would never make.</summary>
internal static class RawSafetensors
{
    /// <summary>8-byte length (the real one unless <paramref name="declaredLength"/>), the header text unpadded, then the data.</summary>
    public static byte[] Build(string headerJson, byte[]? data = null, ulong? declaredLength = null)
    {
        var header = Encoding.UTF8.GetBytes(headerJson);
        var bytes = new List<byte>();
        bytes.AddRange(BitConverter.GetBytes(declaredLength ?? (ulong)header.Length));
        bytes.AddRange(header);
        bytes.AddRange(data ?? []);
        return [.. bytes];
    }

    public static byte[] Floats(params float[] values) => values.SelectMany(BitConverter.GetBytes).ToArray();
}
