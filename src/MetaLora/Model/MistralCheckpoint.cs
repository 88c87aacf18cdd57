using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MetaLora.Formats;
using TorchSharp;
using static TorchSharp.torch;
using MetaLora.IO;

namespace MetaLora.Model;

/// <summary>
/// A Hugging Face model folder: <c>config.json</c> plus either one <c>model.safetensors</c> or shards
/// listed in <c>model.safetensors.index.json</c> ({"metadata": {"total_size": …}, "weight_map": {tensor: file}}).
/// Tensors are F32, F16 or BF16 and are copied straight from the memory-mapped files into the model's
/// parameters (converted only when the requested dtype differs).
/// </summary>
internal static class MistralCheckpoint
{
    public const string WeightsFileName = "model.safetensors";
    public const string IndexFileName = "model.safetensors.index.json";

    private static readonly JsonSerializerOptions IndexJson = new() { WriteIndented = true, IndentSize = 2 };

    /// <summary>Whether <paramref name="folder"/> has a config and weights in one of the two layouts.</summary>
    public static bool Exists(string folder) =>
        File.Exists(Path.Combine(folder, MistralConfig.FileName))
        && (File.Exists(Path.Combine(folder, WeightsFileName)) || File.Exists(Path.Combine(folder, IndexFileName)));

    /// <summary>
    /// Loads a model folder. <paramref name="dtype"/> null keeps the checkpoint's dtype (that of
    /// <c>model.embed_tokens.weight</c>); otherwise every weight is cast to it. Every parameter must be in the
    /// files with its exact shape; a tensor the model has no place for is an error too (a different
    /// architecture or config), except rotary inv_freq buffers and a redundant lm_head of a tied model.
    /// The weights are read on the CPU and then moved to <paramref name="device"/> (default: the CPU).
    /// </summary>
    public static MistralForCausalLM Load(string folder, ScalarType? dtype = null, Device? device = null)
    {
        if (!Directory.Exists(folder)) throw BadInputException.At(folder, "model folder does not exist");
        var config = MistralConfig.Load(Path.Combine(folder, MistralConfig.FileName));
        var readers = new List<SafetensorsReader>();
        try
        {
            var tensors = OpenWeights(folder, readers);
            const string embedding = "model.embed_tokens.weight";
            if (!tensors.TryGetValue(embedding, out var first))
                throw BadInputException.At(readers[0].Path, $"tensor '{embedding}' is not in the checkpoint");
            var fileDType = ModelDType.FromSafetensors(first.Info.DType)
                ?? throw BadInputException.At(first.Reader.Path, $"tensor '{embedding}' is {first.Info.DType.HeaderName()}, expected F32, F16 or BF16");

            var model = new MistralForCausalLM(config, dtype ?? fileDType);
            try
            {
                Fill(model, tensors);
                if (device is not null && device.type != DeviceType.CPU) model.to(device);
            }
            catch
            {
                model.Dispose();
                throw;
            }
            return model;
        }
        finally
        {
            foreach (var reader in readers) reader.Dispose();
        }
    }

    /// <summary>
    /// Writes config.json (torch_dtype set to the model's dtype) and the weights: one model.safetensors,
    /// or, when <paramref name="maxShardBytes"/> is given and the weights exceed it, shards
    /// model-0000i-of-0000n.safetensors of at most that size (a bigger tensor gets a shard of its own)
    /// plus the index. Files of the other layout left from an earlier save are removed, so the folder
    /// is never ambiguous.
    /// </summary>
    public static void Save(MistralForCausalLM model, string folder, long? maxShardBytes = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (maxShardBytes is <= 0) throw new ArgumentOutOfRangeException(nameof(maxShardBytes), "a shard must hold at least one byte");
        Directory.CreateDirectory(folder);
        var parameters = model.named_parameters().ToArray();
        var specs = parameters.Select(p => new TensorSpec(p.name, ModelDType.ToSafetensors(p.parameter.dtype), p.parameter.shape)).ToArray();
        var values = parameters.ToDictionary(p => p.name, p => (Tensor)p.parameter, StringComparer.Ordinal);
        var totalBytes = specs.Sum(s => s.ByteLength);

        var shards = new List<List<TensorSpec>> { new() };
        long shardBytes = 0;
        foreach (var spec in specs)
        {
            if (maxShardBytes is { } max && shards[^1].Count > 0 && shardBytes + spec.ByteLength > max)
            {
                shards.Add([]);
                shardBytes = 0;
            }
            shards[^1].Add(spec);
            shardBytes += spec.ByteLength;
        }

        var index = Path.Combine(folder, IndexFileName);
        var single = Path.Combine(folder, WeightsFileName);
        if (shards.Count == 1)
        {
            File.Delete(index);
            WriteTensors(single, shards[0], values);
        }
        else
        {
            File.Delete(single);
            var weightMap = new JsonObject();
            for (var i = 0; i < shards.Count; i++)
            {
                var name = string.Create(CultureInfo.InvariantCulture, $"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors");
                WriteTensors(Path.Combine(folder, name), shards[i], values);
                foreach (var spec in shards[i]) weightMap[spec.Name] = name;
            }
            var sorted = new JsonObject(weightMap.OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => KeyValuePair.Create(kv.Key, kv.Value?.DeepClone())));
            var json = new JsonObject { ["metadata"] = new JsonObject { ["total_size"] = totalBytes }, ["weight_map"] = sorted };
            AtomicFile.WriteAllBytes(index, JsonSerializer.SerializeToUtf8Bytes(json, IndexJson));
        }
        model.Config.With("torch_dtype", ModelDType.Name(model.DType)).Save(Path.Combine(folder, MistralConfig.FileName));
    }

    private static void WriteTensors(string path, IReadOnlyList<TensorSpec> specs, IReadOnlyDictionary<string, Tensor> values) =>
        SafetensorsWriter.Write(path, specs, (spec, sink) =>
        {
            using var contiguous = values[spec.Name].detach().cpu().contiguous();
            sink.Write(contiguous.bytes);
        }, PeftAdapter.WeightsMetadata);

    /// <summary>Every tensor of the checkpoint by name, with the reader of the file holding it.</summary>
    private static Dictionary<string, (SafetensorsReader Reader, TensorInfo Info)> OpenWeights(string folder, List<SafetensorsReader> readers)
    {
        var single = Path.Combine(folder, WeightsFileName);
        var indexPath = Path.Combine(folder, IndexFileName);
        var files = File.Exists(single) ? [WeightsFileName]
            : File.Exists(indexPath) ? ShardMap(indexPath).Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray()
            : throw BadInputException.At(folder, $"no {WeightsFileName} or {IndexFileName} in the model folder");

        var tensors = new Dictionary<string, (SafetensorsReader, TensorInfo)>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var reader = SafetensorsReader.Open(Path.Combine(folder, file));
            readers.Add(reader);
            foreach (var info in reader.Tensors)
            {
                if (!tensors.TryAdd(info.Name, (reader, info)))
                    throw BadInputException.At(reader.Path, $"tensor '{info.Name}' is also in {tensors[info.Name].Item1.Path}");
            }
        }
        if (!File.Exists(single))
        {
            // The index must describe the shards: every listed tensor is in the file it names.
            foreach (var (name, file) in ShardMap(indexPath))
                if (!tensors.TryGetValue(name, out var found) || Path.GetFileName(found.Item1.Path) != file)
                    throw BadInputException.At(indexPath, $"weight_map lists '{name}' in {file}, but that file does not hold it");
        }
        return tensors;
    }

    private static Dictionary<string, string> ShardMap(string indexPath)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(File.ReadAllBytes(indexPath)); }
        catch (JsonException e) { throw BadInputException.At(indexPath, $"invalid JSON ({JsonText.Describe(e)})", (int)(e.LineNumber ?? -1) + 1); }
        if (root is not JsonObject obj || obj["weight_map"] is not JsonObject map)
            throw BadInputException.At(indexPath, "expected an object with a \"weight_map\" object");
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in map)
        {
            if (value is not JsonValue v || !v.TryGetValue<string>(out var file) || file.Length == 0)
                throw BadInputException.At(indexPath, $"weight_map entry '{name}' is not a file name");
            // Shards live next to the index; a path elsewhere is refused rather than followed.
            if (file != Path.GetFileName(file) || file is "." or "..")
                throw BadInputException.At(indexPath, $"weight_map entry '{name}' names '{file}', which is not a file in the model folder");
            result[name] = file;
        }
        if (result.Count == 0) throw BadInputException.At(indexPath, "weight_map is empty");
        return result;
    }

    private static void Fill(MistralForCausalLM model, Dictionary<string, (SafetensorsReader Reader, TensorInfo Info)> tensors)
    {
        using var noGrad = no_grad();
        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, parameter) in model.named_parameters())
        {
            expected.Add(name);
            if (!tensors.TryGetValue(name, out var found))
                throw BadInputException.At(tensors.Values.First().Reader.Path, $"tensor '{name}' is missing from the checkpoint");
            var (reader, info) = found;
            if (!info.Shape.SequenceEqual(parameter.shape))
                throw BadInputException.At(reader.Path, $"tensor '{name}' has shape {Safetensors.FormatShape(info.Shape)}, the config makes it {Safetensors.FormatShape(parameter.shape)}");
            var fileDType = ModelDType.FromSafetensors(info.DType)
                ?? throw BadInputException.At(reader.Path, $"tensor '{name}' is {info.DType.HeaderName()}, expected F32, F16 or BF16");
            if (fileDType == parameter.dtype)
            {
                reader.CopyBytes(info, 0, parameter.bytes);
            }
            else
            {
                using var raw = empty(parameter.shape, fileDType);
                reader.CopyBytes(info, 0, raw.bytes);
                parameter.copy_(raw);
            }
        }
        foreach (var (name, (reader, _)) in tensors)
        {
            if (expected.Contains(name) || name.EndsWith("rotary_emb.inv_freq", StringComparison.Ordinal)) continue;
            if (name == "lm_head.weight" && model.Config.TieWordEmbeddings) continue;
            throw BadInputException.At(reader.Path, $"tensor '{name}' is not a weight of a Mistral model with this config");
        }
    }
}
