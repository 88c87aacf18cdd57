using System.Text.RegularExpressions;
using MetaLora.Formats;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MetaLora.Model;

/// <summary>
/// A LoRA adapter for a <see cref="MistralForCausalLM"/>: one <see cref="LoraLayer"/> per targeted linear
/// layer, described by a PEFT <c>adapter_config.json</c> and stored as PEFT stores it
/// (<c>base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight</c>, …). Attach it with
/// <see cref="MistralForCausalLM.SetAdapter"/>; any number of adapters can exist for one base model.
/// </summary>
internal sealed class LoraAdapter : IDisposable
{
    /// <summary>PEFT's prefix: the PeftModel's base_model (a LoraModel) wraps the HF model as .model.</summary>
    public const string KeyPrefix = "base_model.model.";

    /// <summary>PEFT's default target_modules for Mistral when a config names none.</summary>
    public static readonly IReadOnlyList<string> DefaultTargetModules = ["q_proj", "v_proj"];

    private LoraAdapter(AdapterConfig config, IReadOnlyList<KeyValuePair<string, LoraLayer>> layers)
    {
        Config = config;
        Layers = layers;
    }

    public AdapterConfig Config { get; }

    /// <summary>The layers by Hugging Face module name (e.g. <c>model.layers.0.self_attn.q_proj</c>), in the model's order.</summary>
    public IReadOnlyList<KeyValuePair<string, LoraLayer>> Layers { get; }

    /// <summary>The trainable tensors under their PEFT key names.</summary>
    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters()
    {
        foreach (var (module, layer) in Layers)
        {
            yield return (KeyPrefix + module + ".lora_A.weight", layer.A);
            yield return (KeyPrefix + module + ".lora_B.weight", layer.B);
        }
    }

    /// <summary>
    /// A fresh adapter for every linear layer of <paramref name="model"/> that <paramref name="config"/>'s
    /// target_modules select (PEFT's rules: a listed name matches a module named exactly so or ending in
    /// ".name"; a single string is a regular expression matched against the whole name), with rank and
    /// alpha from r / lora_alpha or their patterns. A is random (seeded), B = 0.
    /// </summary>
    public static LoraAdapter Create(MistralForCausalLM model, AdapterConfig config, long seed, ScalarType dtype = ScalarType.Float32)
    {
        CheckSupported(config);
        var layers = new List<KeyValuePair<string, LoraLayer>>();
        using var generator = new Generator((ulong)seed);
        foreach (var (name, linear) in model.LinearModules)
        {
            if (!IsTarget(config.TargetModules, name)) continue;
            var rank = RankOf(config, name);
            var layer = LoraLayer.Create(linear.InFeatures, linear.OutFeatures, rank, ScalingOf(config, name, rank), config.LoraDropout, dtype, generator)
                .On(linear.Weight.device);
            layers.Add(KeyValuePair.Create(name, layer));
        }
        if (layers.Count == 0)
            throw BadInputException.At(config.Path, $"target_modules {config.TargetModules?.ToString() ?? "(default)"} selects no linear layer of the model");
        return new LoraAdapter(config, layers);
    }

    /// <summary>
    /// Reads a PEFT adapter folder for <paramref name="model"/> (validated by <see cref="PeftAdapter.Open"/>,
    /// then each module checked against the model). <paramref name="dtype"/> null keeps the file's dtype.
    /// </summary>
    public static LoraAdapter Load(string folder, MistralForCausalLM model, ScalarType? dtype = null)
    {
        var peft = PeftAdapter.Open(folder);
        var config = peft.Config;
        CheckSupported(config);
        if (peft.Weights.Tensors.Count != 2 * peft.Modules.Count)
        {
            var extra = peft.Weights.Tensors.First(t => !peft.Modules.Any(m => m.A == t || m.B == t));
            throw BadInputException.At(peft.WeightsPath, $"tensor '{extra.Name}' is not a LoRA weight; modules_to_save and bias weights are not supported");
        }

        var byName = new Dictionary<string, LoraLayer>(StringComparer.Ordinal);
        using var reader = peft.OpenWeights();
        try
        {
            foreach (var module in peft.Modules)
            {
                if (!module.Name.StartsWith(KeyPrefix, StringComparison.Ordinal))
                    throw BadInputException.At(peft.WeightsPath, $"tensor '{module.A.Name}' does not start with '{KeyPrefix}' (PEFT's key names)");
                var name = module.Name[KeyPrefix.Length..];
                if (!model.LinearModules.TryGetValue(name, out var linear))
                    throw BadInputException.At(peft.WeightsPath, $"tensor '{module.A.Name}' adapts '{name}', which is not a linear layer of the model");
                if (module.A.Shape.Count != 2 || module.InFeatures != linear.InFeatures || module.OutFeatures != linear.OutFeatures)
                    throw BadInputException.At(peft.WeightsPath,
                        $"tensors '{module.A.Name}' {Safetensors.FormatShape(module.A.Shape)} and '{module.B.Name}' {Safetensors.FormatShape(module.B.Shape)} do not fit '{name}' ({linear.InFeatures} → {linear.OutFeatures} features)");
                var rank = (int)module.Rank;
                var a = Read(reader, reader[module.A.Name], dtype); // the reader parsed its own header
                var b = Read(reader, reader[module.B.Name], dtype);
                byName[name] = new LoraLayer(a, b, ScalingOf(config, name, rank), config.LoraDropout).On(linear.Weight.device);
            }
        }
        catch
        {
            foreach (var layer in byName.Values) layer.Dispose();
            throw;
        }
        var ordered = model.LinearModules.Keys.Where(byName.ContainsKey).Select(k => KeyValuePair.Create(k, byName[k])).ToArray();
        return new LoraAdapter(config, ordered);
    }

    /// <summary>
    /// Writes the adapter as PEFT does (<see cref="PeftAdapter.Write"/>): tensors in their own dtype, or
    /// in <paramref name="dtype"/> when given.
    /// </summary>
    public void Save(string folder, TensorDType? dtype = null)
    {
        var named = NamedParameters().ToArray();
        var specs = named.Select(p => new TensorSpec(p.Name, dtype ?? ModelDType.ToSafetensors(p.Parameter.dtype), p.Parameter.shape)).ToArray();
        var values = named.ToDictionary(p => p.Name, p => (Tensor)p.Parameter, StringComparer.Ordinal);
        PeftAdapter.Write(folder, Config.At(PeftAdapter.ConfigPathIn(folder)), specs, (spec, sink) =>
        {
            using var converted = values[spec.Name].detach().cpu().to_type(ModelDType.FromSafetensors(spec.DType)!.Value).contiguous();
            sink.Write(converted.bytes);
        });
    }

    public void Dispose()
    {
        foreach (var (_, layer) in Layers) layer.Dispose();
    }

    private static Parameter Read(SafetensorsReader reader, TensorInfo info, ScalarType? dtype)
    {
        var fileDType = ModelDType.FromSafetensors(info.DType)!.Value; // PeftAdapter.Open admits only F32/F16/BF16
        using var raw = empty(info.Shape.ToArray(), fileDType);
        reader.CopyBytes(info, 0, raw.bytes);
        return nn.Parameter(raw.to_type(dtype ?? fileDType, copy: true));
    }

    private static void CheckSupported(AdapterConfig config)
    {
        if (config.UseDora) throw BadInputException.At(config.Path, "use_dora is true; DoRA adapters are not supported");
        if (config.Bias != "none" || config.LoraBias) throw BadInputException.At(config.Path, "bias terms in LoRA adapters are not supported (bias must be \"none\", lora_bias false)");
        if (config.FanInFanOut) throw BadInputException.At(config.Path, "fan_in_fan_out is true, but Mistral's linear layers store weights as (out, in)");
        if (config["layers_to_transform"] is not null) throw BadInputException.At(config.Path, "layers_to_transform is not supported");
    }

    private static bool IsTarget(LoraTargetModules? targets, string name)
    {
        if (targets?.Pattern is { } pattern) return Regex.IsMatch(name, $"^(?:{pattern})$");
        var names = targets?.Names ?? DefaultTargetModules;
        return names.Any(t => name == t || name.EndsWith("." + t, StringComparison.Ordinal));
    }

    /// <summary>PEFT's pattern lookup: a key matches a module whose name is the key or ends in ".key" (key read as a regular expression).</summary>
    private static T? PatternValue<T>(IReadOnlyDictionary<string, T> pattern, string name) where T : struct
    {
        foreach (var (key, value) in pattern)
            if (Regex.IsMatch(name, $"^(?:.*\\.)?(?:{key})$")) return value;
        return null;
    }

    private static int RankOf(AdapterConfig config, string name) => PatternValue(config.RankPattern, name) ?? config.R;

    private static double ScalingOf(AdapterConfig config, string name, int rank)
    {
        var alpha = PatternValue(config.AlphaPattern, name) ?? config.LoraAlpha;
        return config.UseRsLora ? alpha / Math.Sqrt(rank) : alpha / rank;
    }
}
