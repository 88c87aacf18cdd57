namespace MetaLora.Formats;

/// <summary>
/// A PEFT LoRA adapter folder: <c>adapter_config.json</c> and <c>adapter_model.safetensors</c>.
/// Opening reads the config and the weights' header only; tensor data is read through
/// <see cref="OpenWeights"/>.
/// </summary>
/// <remarks>
/// A folder is complete only when both files exist. <see cref="Write"/> removes an old config first,
/// writes the weights, then the config, each atomically; so a write that dies part-way leaves a folder
/// without a config, never a config next to weights it does not describe.
/// </remarks>
public sealed class PeftAdapter
{
    public const string ConfigFileName = AdapterConfig.FileName;
    public const string WeightsFileName = "adapter_model.safetensors";

    /// <summary>Metadata the Hugging Face libraries write into PyTorch checkpoints.</summary>
    public static readonly IReadOnlyDictionary<string, string> WeightsMetadata =
        new System.Collections.ObjectModel.ReadOnlyDictionary<string, string>(new Dictionary<string, string> { ["format"] = "pt" });

    private PeftAdapter(string directory, AdapterConfig config, SafetensorsHeader weights, IReadOnlyList<LoraModule> modules)
    {
        Directory = directory;
        Config = config;
        Weights = weights;
        Modules = modules;
    }

    /// <summary>The folder, as given.</summary>
    public string Directory { get; }
    public string ConfigPath => Config.Path;
    public string WeightsPath => Weights.Path;
    public AdapterConfig Config { get; }

    /// <summary>The weights file's header (names, dtypes, shapes, offsets).</summary>
    public SafetensorsHeader Weights { get; }

    /// <summary>The A/B pairs, in the weights file's order of their A tensors.</summary>
    public IReadOnlyList<LoraModule> Modules { get; }

    public static string ConfigPathIn(string folder) => Path.Combine(folder, ConfigFileName);
    public static string WeightsPathIn(string folder) => Path.Combine(folder, WeightsFileName);

    /// <summary>Whether both files are present (see the remarks on <see cref="PeftAdapter"/>).</summary>
    public static bool IsComplete(string folder) => File.Exists(ConfigPathIn(folder)) && File.Exists(WeightsPathIn(folder));

    /// <summary>Validates the folder: both files exist, the config is a LoRA config, the keys are PEFT LoRA keys and their ranks match r.</summary>
    public static PeftAdapter Open(string folder)
    {
        if (!System.IO.Directory.Exists(folder)) throw BadInputException.At(folder, "adapter folder does not exist");
        var configPath = ConfigPathIn(folder);
        var weightsPath = WeightsPathIn(folder);
        if (!File.Exists(configPath))
            throw BadInputException.At(configPath, $"missing (an adapter folder holds {ConfigFileName} and {WeightsFileName})");
        if (!File.Exists(weightsPath))
        {
            var pickled = Path.Combine(folder, "adapter_model.bin");
            throw BadInputException.At(weightsPath, File.Exists(pickled)
                ? "missing; the folder has adapter_model.bin, which is not read (convert it to safetensors)"
                : $"missing (an adapter folder holds {ConfigFileName} and {WeightsFileName})");
        }

        var config = AdapterConfig.Load(configPath);
        var header = SafetensorsHeader.Read(weightsPath);
        var tensors = header.Tensors;
        var pairs = LoraKeys.Pair(config, tensors.Select(t => (t.Name, t.DType, t.Shape)).ToArray(),
            (tensor, problem) => BadInputException.At(weightsPath, tensor.Length == 0 ? problem : $"tensor {Safetensors.Quote(tensor)} {problem}"));
        var modules = pairs.Select(p => new LoraModule(p.Module, tensors[p.A], tensors[p.B])).ToArray();
        return new PeftAdapter(folder, config, header, modules);
    }

    /// <summary>Maps the weights for reading tensor data; dispose the reader when done.</summary>
    public SafetensorsReader OpenWeights() => SafetensorsReader.Open(WeightsPath);

    /// <summary>
    /// Writes an adapter folder: the tensors (checked against the config like <see cref="Open"/> checks
    /// a folder, before anything is written) streamed through <paramref name="writeData"/>, then the config.
    /// </summary>
    public static void Write(string folder, AdapterConfig config, IReadOnlyList<TensorSpec> tensors, TensorDataWriter writeData)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(tensors);
        LoraKeys.Pair(config, tensors.Select(t => (t.Name, t.DType, t.Shape)).ToArray(),
            (tensor, problem) => new ArgumentException(tensor.Length == 0 ? problem : $"tensor '{tensor}' {problem}", nameof(tensors)));

        System.IO.Directory.CreateDirectory(folder);
        var configPath = ConfigPathIn(folder);
        File.Delete(configPath);
        SafetensorsWriter.Write(WeightsPathIn(folder), tensors, writeData, WeightsMetadata);
        config.Save(configPath);
    }
}
