using MetaLora.Formats;
using static TorchSharp.torch;

namespace MetaLora.Prediction;

/// <summary>
/// The same element range of one tensor from every bank adapter, as the rows of an N x count matrix in
/// native memory. The buffers are allocated once and reused chunk after chunk, so a pass over the bank
/// allocates nothing per chunk.
/// </summary>
internal sealed class BankChunk(int adapters, int chunk) : IDisposable
{
    private readonly float[] _rows = new float[(long)adapters * chunk];
    private readonly Tensor _native = empty((long)adapters * chunk, ScalarType.Float32);

    /// <summary>
    /// Row j = elements [first, first + count) of tensor j, as an N x count view that is valid until the
    /// next call. Those mapped pages are released once read: a streaming pass reads every byte once, and
    /// unreleased pages would keep the resident set growing to the size of the bank.
    /// </summary>
    public Tensor Read(IReadOnlyList<SafetensorsReader> readers, IReadOnlyList<TensorInfo> tensors, long first, int count)
    {
        Parallel.For(0, adapters, j =>
        {
            readers[j].ReadFloat32(tensors[j], first, _rows.AsSpan(j * count, count));
            readers[j].Release(tensors[j], first, count);
        });
        var size = (long)adapters * count;
        var view = _native.narrow(0, 0, size);
        using (var target = view.data<float>())
            target.CopyFrom(_rows.AsSpan(0, (int)size));
        return view.view(adapters, count);
    }

    public void Dispose() => _native.Dispose();
}
