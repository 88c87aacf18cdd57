using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using MetaLora.IO;

namespace MetaLora.Formats;

/// <summary>
/// Writes safetensors files as a stream: the header first (tensors in the given order, contiguous
/// offsets, metadata keys sorted, padded with spaces to a multiple of 8 bytes), then each tensor's
/// bytes from a callback, so only one tensor needs to be in memory at a time. The same input gives
/// the same bytes.
/// </summary>
public static class SafetensorsWriter
{
    // Names stay readable in the header ('+', '<', non-ASCII); quotes and control characters are still escaped.
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes the file atomically (a temporary file renamed into place).</summary>
    public static void Write(string path, IReadOnlyList<TensorSpec> tensors, TensorDataWriter writeData, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = Header(tensors, metadata);
        AtomicFile.Write(path, stream => WriteBody(stream, header, tensors, writeData));
    }

    public static void Write(Stream stream, IReadOnlyList<TensorSpec> tensors, TensorDataWriter writeData, IReadOnlyDictionary<string, string>? metadata = null) =>
        WriteBody(stream, Header(tensors, metadata), tensors, writeData);

    /// <summary>Writes fp32 arrays (converted to each spec's F32/F16/BF16), for small files and tests.</summary>
    public static void Write(string path, IReadOnlyList<(TensorSpec Spec, float[] Values)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var values = tensors.ToDictionary(t => t.Spec, t => t.Values);
        Write(path, tensors.Select(t => t.Spec).ToArray(), (spec, sink) => sink.WriteFloat32(values[spec]), metadata);
    }

    /// <summary>The 8-byte length and the padded JSON header for these tensors.</summary>
    public static byte[] Header(IReadOnlyList<TensorSpec> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in tensors)
            if (!names.Add(t.Name)) throw new ArgumentException($"tensor '{t.Name}' is listed twice", nameof(tensors));

        var json = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(json, JsonOptions))
        {
            writer.WriteStartObject();
            if (metadata is not null)
            {
                // The reference writer puts the metadata first; sorting its keys keeps output deterministic.
                writer.WriteStartObject(Safetensors.MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                    writer.WriteString(key, value);
                writer.WriteEndObject();
            }
            long offset = 0;
            foreach (var t in tensors)
            {
                writer.WriteStartObject(t.Name);
                writer.WriteString("dtype", t.DType.HeaderName());
                writer.WriteStartArray("shape");
                foreach (var d in t.Shape) writer.WriteNumberValue(d);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                offset = checked(offset + t.ByteLength);
                writer.WriteNumberValue(offset);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }

        var length = json.WrittenCount;
        var padded = (length + Safetensors.HeaderAlignment - 1) / Safetensors.HeaderAlignment * Safetensors.HeaderAlignment;
        var bytes = new byte[sizeof(ulong) + padded];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)padded);
        json.WrittenSpan.CopyTo(bytes.AsSpan(sizeof(ulong)));
        bytes.AsSpan(sizeof(ulong) + length).Fill((byte)' ');
        return bytes;
    }

    private static void WriteBody(Stream stream, byte[] header, IReadOnlyList<TensorSpec> tensors, TensorDataWriter writeData)
    {
        ArgumentNullException.ThrowIfNull(writeData);
        stream.Write(header);
        foreach (var t in tensors)
        {
            var sink = new TensorSink(t, stream);
            writeData(t, sink);
            sink.Complete();
        }
    }
}
