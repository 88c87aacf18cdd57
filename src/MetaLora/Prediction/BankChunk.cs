using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MetaLora.Formats;
using static TorchSharp.torch;

namespace MetaLora.Prediction;

/// <summary>
/// The same element range of one tensor from every bank adapter, as the rows of an N x count matrix in
/// native memory. The buffer is allocated once and filled in place chunk after chunk, so a pass over the
/// bank neither allocates nor copies per chunk.
/// </summary>
internal sealed unsafe class BankChunk : IDisposable
{
    private readonly int _adapters;
    private readonly Tensor _native;
    // The native tensor's storage: it does not move while the tensor lives.
    private readonly float* _data;

    public BankChunk(int adapters, int chunk)
    {
        _adapters = adapters;
        _native = empty((long)adapters * chunk, ScalarType.Float32);
        _data = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(NativeSpan(_native)));
    }

    /// <summary>
    /// Row j = elements [first, first + count) of tensor j, as an N x count view that is valid until the
    /// next call. Those mapped pages are released once read: a streaming pass reads every byte once, and
    /// unreleased pages would keep the resident set growing to the size of the bank.
    /// </summary>
    public Tensor Read(IReadOnlyList<SafetensorsReader> readers, IReadOnlyList<TensorInfo> tensors, long first, int count)
    {
        Parallel.For(0, _adapters, j =>
        {
            readers[j].ReadFloat32(tensors[j], first, new Span<float>(_data + (long)j * count, count));
            readers[j].Release(tensors[j], first, count);
        });
        return _native.narrow(0, 0, (long)_adapters * count).view(_adapters, count);
    }

    /// <summary>
    /// A contiguous fp32 CPU tensor's elements, in place. TorchSharp's element accessor copies one
    /// element at a time (about 30x slower than this for a chunk).
    /// </summary>
    public static Span<float> NativeSpan(Tensor tensor) => MemoryMarshal.Cast<byte, float>(tensor.bytes);

    public void Dispose() => _native.Dispose();
}
