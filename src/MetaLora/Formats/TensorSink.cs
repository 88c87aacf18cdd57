using System.Buffers;

namespace MetaLora.Formats;

/// <summary>
/// Takes exactly one tensor's bytes, in row-major order, in as many calls as the caller likes.
/// Writing more or fewer bytes than the tensor holds is a programming error.
/// </summary>
public sealed class TensorSink
{
    private const int ChunkElements = 1 << 14;
    private readonly Stream _stream;

    internal TensorSink(TensorSpec tensor, Stream stream)
    {
        Tensor = tensor;
        _stream = stream;
        Remaining = tensor.ByteLength;
    }

    public TensorSpec Tensor { get; }

    /// <summary>Bytes still to write.</summary>
    public long Remaining { get; private set; }

    /// <summary>Raw little-endian element bytes.</summary>
    public void Write(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > Remaining)
            throw new InvalidOperationException($"tensor '{Tensor.Name}' holds {Tensor.ByteLength} bytes; {bytes.Length} more would exceed it by {bytes.Length - Remaining}");
        _stream.Write(bytes);
        Remaining -= bytes.Length;
    }

    /// <summary>fp32 values, converted to the tensor's F32, F16 or BF16 (round to nearest even).</summary>
    public void WriteFloat32(ReadOnlySpan<float> values)
    {
        if (!Tensor.DType.IsFloat32Convertible())
            throw new InvalidOperationException($"tensor '{Tensor.Name}' is {Tensor.DType.HeaderName()}; only F32, F16 and BF16 take fp32 values");
        var size = Tensor.DType.ElementSize();
        if ((long)values.Length * size > Remaining)
            throw new InvalidOperationException($"tensor '{Tensor.Name}' holds {Tensor.ByteLength} bytes; {values.Length} more values would exceed it");
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkElements * size);
        try
        {
            for (var done = 0; done < values.Length; done += ChunkElements)
            {
                var chunk = values.Slice(done, Math.Min(ChunkElements, values.Length - done));
                var bytes = buffer.AsSpan(0, chunk.Length * size);
                HalfPrecision.Encode(Tensor.DType, chunk, bytes);
                Write(bytes);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    internal void Complete()
    {
        if (Remaining != 0)
            throw new InvalidOperationException($"tensor '{Tensor.Name}' holds {Tensor.ByteLength} bytes but only {Tensor.ByteLength - Remaining} were written");
    }
}
