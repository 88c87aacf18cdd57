using MetaLora.Formats;
using MetaLora.IO;

namespace MetaLora.Prediction.Combining;

/// <summary>
/// One output adapter's weights, written front to back into a temporary file in its folder and
/// renamed when complete; the config is written last, so a folder with a config is a finished adapter.
/// </summary>
internal sealed class AdapterOutputFile : IDisposable
{
    private readonly string _folder;
    private readonly AtomicWriter _weights;
    private TensorSink? _sink;

    public AdapterOutputFile(string folder, IReadOnlyList<TensorSpec> specs)
    {
        _folder = folder;
        Directory.CreateDirectory(folder);
        // A stale config must not describe weights that are being replaced.
        if (File.Exists(PeftAdapter.ConfigPathIn(folder))) File.Delete(PeftAdapter.ConfigPathIn(folder));
        _weights = new AtomicWriter(PeftAdapter.WeightsPathIn(folder));
        _weights.Stream.Write(SafetensorsWriter.Header(specs, PeftAdapter.WeightsMetadata));
    }

    /// <summary>
    /// Fails with one line, before anything is written, when the disk cannot hold a pass's outputs:
    /// one weights file of <paramref name="specs"/> and one <paramref name="config"/> per folder. A
    /// pass keeps every output's temporary file until it commits, and a rerun's previous adapters are
    /// replaced only then, so all of these bytes must be free at once.
    /// </summary>
    public static void RequireSpace(IReadOnlyList<string> folders, IReadOnlyList<TensorSpec> specs, AdapterConfig config)
    {
        var bytes = WeightsBytes(specs) + config.ToUtf8Json().LongLength;
        RequireSpace(folders, _ => bytes);
    }

    /// <summary>The size of the weights file of <paramref name="specs"/>: header and tensors, as written here.</summary>
    public static long WeightsBytes(IReadOnlyList<TensorSpec> specs) =>
        SafetensorsWriter.Header(specs, PeftAdapter.WeightsMetadata).LongLength + specs.Sum(s => s.ByteLength);

    /// <summary>As above, with <paramref name="bytesOf"/> the bytes written for output i; folders are checked per parent folder.</summary>
    public static void RequireSpace(IReadOnlyList<string> folders, Func<int, long> bytesOf)
    {
        foreach (var group in Enumerable.Range(0, folders.Count).GroupBy(i => Path.GetDirectoryName(folders[i]) is { Length: > 0 } parent ? parent : "."))
        {
            var count = group.Count();
            var bytes = group.Sum(bytesOf);
            DiskSpace.Require(group.Key, bytes, $"{count} adapter{(count == 1 ? "" : "s")} of {DiskSpace.Format(bytes / count)}",
                "free some space there or write the adapters to another disk; nothing was written");
        }
    }

    /// <summary>The next values of <paramref name="spec"/>; tensors come in header order.</summary>
    public void Write(TensorSpec spec, ReadOnlySpan<float> values)
    {
        if (_sink?.Tensor != spec)
        {
            _sink?.Complete();
            _sink = new TensorSink(spec, _weights.Stream);
        }
        _sink.WriteFloat32(values);
    }

    public void Commit(AdapterConfig config)
    {
        _sink?.Complete();
        _weights.Commit();
        config.Save(PeftAdapter.ConfigPathIn(_folder));
    }

    public void Dispose() => _weights.Dispose();
}
