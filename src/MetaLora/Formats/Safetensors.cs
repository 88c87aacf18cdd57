namespace MetaLora.Formats;

/// <summary>
/// The safetensors file format: an 8-byte little-endian header length N, N bytes of UTF-8 JSON
/// mapping tensor names to dtype, shape and byte range (plus an optional string-to-string
/// <c>__metadata__</c>), then the tensors' bytes, which must cover the data section exactly.
/// See <see cref="SafetensorsHeader"/>, <see cref="SafetensorsReader"/>, <see cref="SafetensorsWriter"/>.
/// </summary>
public static class Safetensors
{
    public const string MetadataKey = "__metadata__";

    /// <summary>The reference implementation refuses headers above 100 MB; so do we, before allocating.</summary>
    public const long MaxHeaderLength = 100_000_000;

    /// <summary>Writers pad the header with spaces so that the data section starts 8-byte aligned.</summary>
    public const int HeaderAlignment = 8;

    public static int ElementSize(this TensorDType dtype) => dtype switch
    {
        TensorDType.Bool or TensorDType.U8 or TensorDType.I8 or TensorDType.F8E4M3 or TensorDType.F8E5M2 => 1,
        TensorDType.U16 or TensorDType.I16 or TensorDType.F16 or TensorDType.BF16 => 2,
        TensorDType.U32 or TensorDType.I32 or TensorDType.F32 => 4,
        TensorDType.U64 or TensorDType.I64 or TensorDType.F64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };

    /// <summary>The name used in headers, e.g. "F32", "BOOL", "F8_E4M3".</summary>
    public static string HeaderName(this TensorDType dtype) => dtype switch
    {
        TensorDType.Bool => "BOOL",
        TensorDType.F8E4M3 => "F8_E4M3",
        TensorDType.F8E5M2 => "F8_E5M2",
        _ when Enum.IsDefined(dtype) => dtype.ToString(),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };

    /// <summary>Whether <see cref="SafetensorsReader.ReadFloat32(TensorInfo, Span{float})"/> and the writer's float helpers handle this type.</summary>
    public static bool IsFloat32Convertible(this TensorDType dtype) =>
        dtype is TensorDType.F32 or TensorDType.F16 or TensorDType.BF16;

    public static bool TryParseDType(string name, out TensorDType dtype)
    {
        foreach (var candidate in Enum.GetValues<TensorDType>())
            if (candidate.HeaderName() == name)
            {
                dtype = candidate;
                return true;
            }
        dtype = default;
        return false;
    }

    /// <summary>"[2, 3]" for error messages.</summary>
    internal static string FormatShape(IReadOnlyList<long> shape) => $"[{string.Join(", ", shape)}]";

    /// <summary>A tensor name quoted for a one-line message (control characters escaped).</summary>
    internal static string Quote(string name)
    {
        if (!name.Any(char.IsControl)) return $"'{name}'";
        var escaped = string.Concat(name.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
        return $"'{escaped}'";
    }
}
