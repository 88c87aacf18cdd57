using System.Buffers.Binary;
using System.Text.Json;
using MetaLora.IO;

namespace MetaLora.Formats;

/// <summary>
/// The validated header of a safetensors file: its tensors in header order, its metadata and where
/// the data section starts. Reading it touches only the first 8 + N bytes of the file.
/// </summary>
public sealed class SafetensorsHeader
{
    private readonly Dictionary<string, TensorInfo> _byName;

    private SafetensorsHeader(string path, long headerLength, long dataLength, List<TensorInfo> tensors, Dictionary<string, string> metadata)
    {
        Path = path;
        HeaderLength = headerLength;
        DataLength = dataLength;
        Tensors = tensors;
        Metadata = metadata;
        _byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>The file, as given (it names the file in error messages).</summary>
    public string Path { get; }

    /// <summary>N, the JSON header's length in bytes, padding included.</summary>
    public long HeaderLength { get; }

    /// <summary>File offset of the data section: 8 + N.</summary>
    public long DataStart => sizeof(ulong) + HeaderLength;

    public long DataLength { get; }

    /// <summary>The tensors in the order the header lists them.</summary>
    public IReadOnlyList<TensorInfo> Tensors { get; }

    /// <summary>The <c>__metadata__</c> strings; empty when the header has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public bool TryGet(string name, out TensorInfo tensor) => _byName.TryGetValue(name, out tensor!);

    /// <summary>The named tensor; a missing one is bad input naming the file and the tensor.</summary>
    public TensorInfo this[string name] =>
        _byName.TryGetValue(name, out var t) ? t : throw BadInputException.At(Path, $"tensor {Safetensors.Quote(name)} is not in the file");

    internal bool Owns(TensorInfo tensor) => _byName.TryGetValue(tensor.Name, out var t) && ReferenceEquals(t, tensor);

    public static SafetensorsHeader Read(string path)
    {
        using var stream = OpenRead(path);
        return Read(path, stream);
    }

    internal static FileStream OpenRead(string path) =>
        InputFile.Open(path, FileShare.Read | FileShare.Delete, bufferSize: 1, FileOptions.RandomAccess);

    /// <summary>Reads and validates the header from the start of <paramref name="stream"/>.</summary>
    internal static SafetensorsHeader Read(string path, Stream stream)
    {
        var fileLength = stream.Length;
        if (fileLength < sizeof(ulong))
            throw BadInputException.At(path, $"file is {fileLength} bytes, too short for the 8-byte header length of a safetensors file");

        Span<byte> prefix = stackalloc byte[sizeof(ulong)];
        stream.Position = 0;
        stream.ReadExactly(prefix);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        var available = (ulong)(fileLength - sizeof(ulong));
        if (headerLength > (ulong)Safetensors.MaxHeaderLength)
            throw BadInputException.At(path, $"header length {headerLength} exceeds the {Safetensors.MaxHeaderLength}-byte limit (not a safetensors file?)");
        if (headerLength > available)
            throw BadInputException.At(path, $"header length {headerLength} runs past the end of the file ({fileLength} bytes)");

        var json = new byte[headerLength];
        stream.ReadExactly(json);
        return Parse(path, json, (long)(available - headerLength));
    }

    /// <summary>Validates header JSON against a data section of <paramref name="dataLength"/> bytes.</summary>
    internal static SafetensorsHeader Parse(string path, ReadOnlyMemory<byte> json, long dataLength)
    {
        // The JSON reader checks UTF-8 only in the strings it decodes; the format requires all of it valid.
        if (!System.Text.Unicode.Utf8.IsValid(json.Span))
            throw BadInputException.At(path, "header is not valid UTF-8");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e) { throw BadInputException.At(path, $"header is not valid JSON ({JsonText.Describe(e)})"); }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw BadInputException.At(path, $"header is {JsonText.Found(root)}, expected a JSON object");

            var tensors = new List<TensorInfo>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            Dictionary<string, string>? metadata = null;
            foreach (var entry in root.EnumerateObject())
            {
                if (entry.Name == Safetensors.MetadataKey)
                {
                    if (metadata is not null) throw BadInputException.At(path, $"header has two \"{Safetensors.MetadataKey}\" entries");
                    metadata = ReadMetadata(path, entry.Value);
                    continue;
                }
                if (!names.Add(entry.Name))
                    throw BadInputException.At(path, $"tensor {Safetensors.Quote(entry.Name)} is listed twice in the header");
                tensors.Add(ReadTensor(path, entry.Name, entry.Value, dataLength));
            }
            CheckCoverage(path, tensors, dataLength);
            return new SafetensorsHeader(path, json.Length, dataLength, tensors, metadata ?? []);
        }
    }

    private static Dictionary<string, string> ReadMetadata(string path, JsonElement value)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        // The reference reader accepts a null metadata entry as "none".
        if (value.ValueKind == JsonValueKind.Null) return metadata;
        if (value.ValueKind != JsonValueKind.Object)
            throw BadInputException.At(path, $"\"{Safetensors.MetadataKey}\" is {JsonText.Found(value)}, expected an object of strings");
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw BadInputException.At(path, $"\"{Safetensors.MetadataKey}\" entry {Safetensors.Quote(item.Name)} is {JsonText.Found(item.Value)}, expected a string");
            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
                throw BadInputException.At(path, $"\"{Safetensors.MetadataKey}\" entry {Safetensors.Quote(item.Name)} is listed twice");
        }
        return metadata;
    }

    private static TensorInfo ReadTensor(string path, string name, JsonElement value, long dataLength)
    {
        var where = $"tensor {Safetensors.Quote(name)}";
        BadInputException Bad(string problem) => BadInputException.At(path, $"{where}: {problem}");

        if (value.ValueKind != JsonValueKind.Object)
            throw Bad($"entry is {JsonText.Found(value)}, expected an object with dtype, shape and data_offsets");

        JsonElement Field(string key) =>
            value.TryGetProperty(key, out var v) ? v : throw Bad($"entry has no \"{key}\"");

        var dtypeValue = Field("dtype");
        if (dtypeValue.ValueKind != JsonValueKind.String)
            throw Bad($"\"dtype\" is {JsonText.Found(dtypeValue)}, expected a string");
        var dtypeName = dtypeValue.GetString()!;
        if (!Safetensors.TryParseDType(dtypeName, out var dtype))
            throw Bad($"unknown dtype '{dtypeName}'");

        var shape = Integers(Field("shape"), "shape", Bad);
        foreach (var d in shape)
            if (d < 0) throw Bad($"negative dimension {d} in shape {Safetensors.FormatShape(shape)}");

        var offsets = Integers(Field("data_offsets"), "data_offsets", Bad);
        if (offsets.Length != 2)
            throw Bad($"\"data_offsets\" has {offsets.Length} numbers, expected [begin, end]");
        var (begin, end) = (offsets[0], offsets[1]);
        if (begin < 0 || end < 0)
            throw Bad($"data_offsets [{begin}, {end}] are negative");
        if (begin > end)
            throw Bad($"data_offsets [{begin}, {end}] begin after they end");
        if (end > dataLength)
            throw Bad($"data_offsets [{begin}, {end}] end past the data section ({dataLength} bytes)");

        long elements;
        long bytes;
        try
        {
            elements = shape.Aggregate(1L, (n, d) => checked(n * d));
            bytes = checked(elements * dtype.ElementSize());
        }
        catch (OverflowException)
        {
            throw Bad($"shape {Safetensors.FormatShape(shape)} is too large");
        }
        if (bytes != end - begin)
            throw Bad($"shape {Safetensors.FormatShape(shape)} of {dtypeName} needs {bytes} bytes but data_offsets [{begin}, {end}] span {end - begin}");

        return new TensorInfo(name, dtype, shape, elements, begin, end);
    }

    private static long[] Integers(JsonElement value, string key, Func<string, BadInputException> bad)
    {
        if (value.ValueKind != JsonValueKind.Array)
            throw bad($"\"{key}\" is {JsonText.Found(value)}, expected a list of integers");
        var result = new long[value.GetArrayLength()];
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out result[i]))
                throw bad($"\"{key}\" holds {JsonText.Found(item)}, expected integers");
            i++;
        }
        return result;
    }

    /// <summary>
    /// The tensors must tile the data section: sorted by offset, each begins where the previous ends,
    /// and the last ends at the end of the file. Holes would be bytes nobody accounts for.
    /// </summary>
    private static void CheckCoverage(string path, List<TensorInfo> tensors, long dataLength)
    {
        if (tensors.Count == 0)
        {
            if (dataLength != 0)
                throw BadInputException.At(path, $"header lists no tensors but the data section holds {dataLength} bytes");
            return;
        }

        var sorted = tensors.OrderBy(t => t.DataBegin).ThenBy(t => t.DataEnd).ToArray();
        long covered = 0;
        TensorInfo? previous = null;
        foreach (var t in sorted)
        {
            if (t.DataBegin < covered)
                throw BadInputException.At(path,
                    $"tensor {Safetensors.Quote(t.Name)}: data_offsets [{t.DataBegin}, {t.DataEnd}] overlap tensor {Safetensors.Quote(previous!.Name)} [{previous.DataBegin}, {previous.DataEnd}]");
            if (t.DataBegin > covered)
                throw BadInputException.At(path,
                    $"tensor {Safetensors.Quote(t.Name)}: bytes [{covered}, {t.DataBegin}) of the data section before it belong to no tensor");
            covered = t.DataEnd;
            previous = t;
        }
        if (covered != dataLength)
            throw BadInputException.At(path,
                $"tensor {Safetensors.Quote(previous!.Name)}: the data section holds {dataLength - covered} bytes after this last tensor that belong to no tensor");
    }
}
