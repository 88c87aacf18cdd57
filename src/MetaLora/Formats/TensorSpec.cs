
namespace MetaLora.Formats;

/// <summary>
/// A tensor to be written: name, element type and shape (row-major). An empty shape is a scalar
/// (one element); a zero dimension makes an empty tensor.
/// </summary>
public sealed class TensorSpec
{
    public TensorSpec(string name, TensorDType dtype, IReadOnlyList<long> shape)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        if (name == Safetensors.MetadataKey)
            throw new ArgumentException($"'{Safetensors.MetadataKey}' is reserved for the header's metadata", nameof(name));
        _ = dtype.ElementSize();
        var dims = shape.ToArray();
        foreach (var d in dims)
            if (d < 0) throw new ArgumentException($"tensor '{name}': negative dimension in shape {Safetensors.FormatShape(dims)}", nameof(shape));

        Name = name;
        DType = dtype;
        Shape = dims;
        ElementCount = dims.Aggregate(1L, (n, d) => checked(n * d));
        ByteLength = checked(ElementCount * dtype.ElementSize());
    }

    public string Name { get; }
    public TensorDType DType { get; }
    public IReadOnlyList<long> Shape { get; }
    public long ElementCount { get; }
    public long ByteLength { get; }

    public override string ToString() => $"{Name} {DType.HeaderName()} {Safetensors.FormatShape(Shape)}";
}
