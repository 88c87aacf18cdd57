namespace MetaLora.Formats;

/// <summary>A tensor listed in a safetensors header: what it is and where its bytes are.</summary>
public sealed class TensorInfo
{
    internal TensorInfo(string name, TensorDType dtype, long[] shape, long elementCount, long dataBegin, long dataEnd)
    {
        Name = name;
        DType = dtype;
        Shape = shape;
        ElementCount = elementCount;
        DataBegin = dataBegin;
        DataEnd = dataEnd;
    }

    public string Name { get; }
    public TensorDType DType { get; }
    public IReadOnlyList<long> Shape { get; }
    public long ElementCount { get; }

    /// <summary>Start of the tensor's bytes, relative to the data section (as in the header's data_offsets).</summary>
    public long DataBegin { get; }

    /// <summary>End (exclusive) of the tensor's bytes, relative to the data section.</summary>
    public long DataEnd { get; }

    public long ByteLength => DataEnd - DataBegin;

    /// <summary>The same name, dtype and shape, for writing a tensor like this one.</summary>
    public TensorSpec ToSpec() => new(Name, DType, Shape);

    public override string ToString() => $"{Name} {DType.HeaderName()} {Safetensors.FormatShape(Shape)}";
}
