using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace MetaLora.Formats;

/// <summary>
/// A safetensors file mapped into memory: the header is validated on open, tensor bytes are paged in
/// only when touched. Any number of threads may read tensors at once (reads never change state);
/// disposing while another thread reads is not allowed.
/// </summary>
public sealed unsafe partial class SafetensorsReader : IDisposable
{
    // Conversions run in pieces so that no intermediate span exceeds int.MaxValue bytes.
    private const int ConversionChunk = 1 << 26;

    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _data;
    private bool _disposed;

    private SafetensorsReader(SafetensorsHeader header, MemoryMappedFile file, MemoryMappedViewAccessor view, byte* data)
    {
        Header = header;
        _file = file;
        _view = view;
        _data = data;
    }

    public SafetensorsHeader Header { get; }
    public string Path => Header.Path;
    public IReadOnlyList<TensorInfo> Tensors => Header.Tensors;
    public IReadOnlyDictionary<string, string> Metadata => Header.Metadata;

    /// <summary>The named tensor; a missing one is bad input naming the file and the tensor.</summary>
    public TensorInfo this[string name] => Header[name];

    public static SafetensorsReader Open(string path)
    {
        var stream = SafetensorsHeader.OpenRead(path);
        MemoryMappedFile? file = null;
        MemoryMappedViewAccessor? view = null;
        try
        {
            var header = SafetensorsHeader.Read(path, stream);
            file = MemoryMappedFile.CreateFromFile(stream, mapName: null, capacity: 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            if (view.Capacity < header.DataStart + header.DataLength)
                throw BadInputException.At(path, "file shrank while it was being opened");
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            return new SafetensorsReader(header, file, view, pointer + view.PointerOffset + header.DataStart);
        }
        catch
        {
            view?.Dispose();
            if (file is null) stream.Dispose(); else file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The tensor's raw little-endian bytes, straight from the mapping (no copy). Valid until the reader
    /// is disposed. Tensors of 2 GiB or more do not fit a span: use <see cref="CopyBytes"/> or the chunked
    /// <see cref="ReadFloat32(TensorInfo, long, Span{float})"/>.
    /// </summary>
    public ReadOnlySpan<byte> GetBytes(TensorInfo tensor)
    {
        Check(tensor);
        if (tensor.ByteLength > int.MaxValue)
            throw new NotSupportedException($"{Path}: tensor {Safetensors.Quote(tensor.Name)} has {tensor.ByteLength} bytes, too many for one span; read it in chunks");
        return new ReadOnlySpan<byte>(_data + tensor.DataBegin, (int)tensor.ByteLength);
    }

    /// <summary>Copies the tensor's bytes from <paramref name="byteOffset"/> on into <paramref name="destination"/>.</summary>
    public void CopyBytes(TensorInfo tensor, long byteOffset, Span<byte> destination)
    {
        Check(tensor);
        ArgumentOutOfRangeException.ThrowIfNegative(byteOffset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(byteOffset + destination.Length, tensor.ByteLength, nameof(destination));
        new ReadOnlySpan<byte>(_data + tensor.DataBegin + byteOffset, destination.Length).CopyTo(destination);
    }

    /// <summary>The whole tensor as fp32; <paramref name="destination"/> holds exactly its elements.</summary>
    public void ReadFloat32(TensorInfo tensor, Span<float> destination)
    {
        Check(tensor);
        if (destination.Length != tensor.ElementCount)
            throw new ArgumentException($"tensor {Safetensors.Quote(tensor.Name)} has {tensor.ElementCount} elements, the destination {destination.Length}", nameof(destination));
        ReadFloat32(tensor, 0, destination);
    }

    /// <summary>The whole tensor as a new fp32 array.</summary>
    public float[] ReadFloat32(TensorInfo tensor)
    {
        Check(tensor);
        var result = new float[tensor.ElementCount];
        ReadFloat32(tensor, 0, result);
        return result;
    }

    /// <summary>
    /// Elements [<paramref name="firstElement"/>, firstElement + destination.Length) of the tensor (in
    /// row-major order) as fp32, so that a large tensor can be streamed in pieces. F32, F16 and BF16 only.
    /// </summary>
    public void ReadFloat32(TensorInfo tensor, long firstElement, Span<float> destination)
    {
        Check(tensor);
        if (!tensor.DType.IsFloat32Convertible())
            throw BadInputException.At(Path, $"tensor {Safetensors.Quote(tensor.Name)} is {tensor.DType.HeaderName()}, expected F32, F16 or BF16");
        ArgumentOutOfRangeException.ThrowIfNegative(firstElement);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(firstElement + destination.Length, tensor.ElementCount, nameof(destination));

        var size = tensor.DType.ElementSize();
        var source = _data + tensor.DataBegin + firstElement * size;
        for (var done = 0; done < destination.Length; done += ConversionChunk)
        {
            var count = Math.Min(ConversionChunk, destination.Length - done);
            HalfPrecision.Decode(tensor.DType, new ReadOnlySpan<byte>(source + (long)done * size, count * size), destination.Slice(done, count));
        }
    }

    /// <summary>
    /// Tells the OS this process is done, for now, with the pages under these elements (Linux and macOS:
    /// madvise DONTNEED), so streaming over many mapped files keeps the resident set bounded instead of
    /// growing to the bytes read. The page cache keeps the data, and a later read maps it again; so this
    /// is always safe and changes no result. Elsewhere it does nothing.
    /// </summary>
    public void Release(TensorInfo tensor, long firstElement, long count)
    {
        Check(tensor);
        if (count <= 0 || !(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())) return;
        var size = tensor.DType.ElementSize();
        // A page fault maps the cached pages of its whole aligned fault-around window, so reading these
        // elements may have mapped pages before and after them: release whole windows (never past the view).
        var mapped = (nuint)(_data - Header.DataStart);
        var start = Math.Max((nuint)(_data + tensor.DataBegin + firstElement * size) & ~(FaultAroundBytes - 1), mapped);
        var end = Math.Min(((nuint)(_data + tensor.DataBegin + (firstElement + count) * size) + FaultAroundBytes - 1) & ~(FaultAroundBytes - 1),
            mapped + (nuint)_view.Capacity);
        // The view starts at a page boundary; rounding the end up to a page keeps madvise's length whole.
        var page = (nuint)Environment.SystemPageSize;
        end = (end + page - 1) & ~(page - 1);
        _ = Madvise((void*)start, end - start, DontNeed);
    }

    /// <summary>Linux's default fault-around window (fault_around_bytes), a multiple of the page size.</summary>
    private const nuint FaultAroundBytes = 64 * 1024;

    /// <summary>MADV_DONTNEED, the same number on Linux and macOS.</summary>
    private const int DontNeed = 4;

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(void* address, nuint length, int advice);

    private void Check(TensorInfo tensor)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(tensor);
        if (!Header.Owns(tensor))
            throw new ArgumentException($"tensor {Safetensors.Quote(tensor.Name)} does not come from {Path}", nameof(tensor));
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}
