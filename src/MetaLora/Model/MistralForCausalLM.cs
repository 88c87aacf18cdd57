using TorchSharp;
using static TorchSharp.torch;

namespace MetaLora.Model;

/// <summary>
/// Mistral with its language-model head, laid out like Hugging Face's MistralForCausalLM so that the
/// state dict's keys are the checkpoint's: <c>model.embed_tokens.weight</c>,
/// <c>model.layers.{i}.self_attn.q_proj.weight</c>, …, <c>model.norm.weight</c>, <c>lm_head.weight</c>
/// (absent with tie_word_embeddings, where the head reuses the embedding, as in saved HF checkpoints).
/// </summary>
internal sealed class MistralForCausalLM : nn.Module
{
    private readonly MistralModel model;
    private readonly AdaptableLinear? lm_head;

    // Not a module field: LoRA targets by Hugging Face module name, filled once the modules are registered.
    private readonly Dictionary<string, AdaptableLinear> _linears = new(StringComparer.Ordinal);

    /// <summary>Allocates the weights without initialising them; use <see cref="Create"/> or <see cref="MistralCheckpoint.Load"/>.</summary>
    public MistralForCausalLM(MistralConfig config, ScalarType dtype) : base(nameof(MistralForCausalLM))
    {
        Config = config;
        DType = dtype;
        model = new MistralModel(config, dtype);
        if (!config.TieWordEmbeddings) lm_head = new AdaptableLinear(config.HiddenSize, config.VocabSize, dtype);
        RegisterComponents();
        foreach (var (name, linear) in Linears()) _linears[name] = linear;
    }

    public MistralConfig Config { get; }
    public ScalarType DType { get; }

    /// <summary>The attached adapter, or null (see <see cref="SetAdapter"/>).</summary>
    public LoraAdapter? Adapter { get; private set; }

    /// <summary>
    /// A model with Hugging Face's initialisation (weights N(0, initializer_range²), norms 1), drawn
    /// from a generator seeded with <paramref name="seed"/>: the same seed gives the same model (drawn on
    /// the CPU, then moved to <paramref name="device"/>).
    /// </summary>
    public static MistralForCausalLM Create(MistralConfig config, long seed, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        var result = new MistralForCausalLM(config, dtype);
        using var generator = new Generator((ulong)seed);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in result.named_parameters())
        {
            if (name.EndsWith("norm.weight", StringComparison.Ordinal)) { parameter.fill_(TorchScalars.One); continue; }
            using var values = empty(parameter.shape, ScalarType.Float32).normal_(0, config.InitializerRange, generator);
            parameter.copy_(values);
        }
        if (device is not null && device.type != DeviceType.CPU) result.to(device);
        return result;
    }

    /// <summary>Logits (B, T, vocab) in float32; arguments as <see cref="MistralModel.forward"/>.</summary>
    public Tensor forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? positionIds = null, KvCache? cache = null)
    {
        using var scope = NewDisposeScope();
        var h = model.forward(inputIds, attentionMask, positionIds, cache);
        return Head(h).MoveToOuterDisposeScope();
    }

    /// <summary>Logits of the last position only (B, vocab): generation needs no more and the head is the widest matmul.</summary>
    public Tensor LastLogits(Tensor inputIds, Tensor? attentionMask = null, Tensor? positionIds = null, KvCache? cache = null)
    {
        using var scope = NewDisposeScope();
        var h = model.forward(inputIds, attentionMask, positionIds, cache);
        return Head(h.select(1, -1)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Logits (N, vocab) of the given flat positions (b · T + t) only. Training scores the answer tokens
    /// alone, so the head, the widest matmul of a small-vocabulary model, need not see the prompt.
    /// </summary>
    public Tensor LogitsAt(Tensor inputIds, Tensor positions, Tensor? attentionMask = null)
    {
        using var scope = NewDisposeScope();
        var h = model.forward(inputIds, attentionMask, null, null);
        return Head(h.reshape(-1, h.shape[2]).index_select(0, positions)).MoveToOuterDisposeScope();
    }

    private Tensor Head(Tensor h)
    {
        var logits = lm_head is null ? nn.functional.linear(h, model.EmbedTokens.Weight) : lm_head.forward(h);
        return logits.to_type(ScalarType.Float32);
    }

    /// <summary>The linear layers by Hugging Face module name (e.g. <c>model.layers.0.mlp.up_proj</c>): LoRA's possible targets.</summary>
    public IReadOnlyDictionary<string, AdaptableLinear> LinearModules => _linears;

    private IEnumerable<(string Name, AdaptableLinear Linear)> Linears()
    {
        foreach (var (name, module) in named_modules())
            if (module is AdaptableLinear linear) yield return (name, linear);
    }

    /// <summary>
    /// Attaches <paramref name="adapter"/> (made for this model) to its target modules and detaches the
    /// previous one; null leaves the base model alone. The base weights are not touched, so swapping adapters
    /// costs only the adapters' size. A merged adapter is unmerged first.
    /// </summary>
    public void SetAdapter(LoraAdapter? adapter)
    {
        // Check everything before changing anything, so a mismatched adapter leaves the model as it was.
        foreach (var (name, layer) in adapter?.Layers ?? [])
        {
            if (!_linears.TryGetValue(name, out var linear))
                throw new ArgumentException($"the adapter targets '{name}', which is not a linear layer of this model", nameof(adapter));
            if (layer.InFeatures != linear.InFeatures || layer.OutFeatures != linear.OutFeatures)
                throw new ArgumentException($"the adapter's '{name}' maps {layer.InFeatures} → {layer.OutFeatures} features, the model's {linear.InFeatures} → {linear.OutFeatures}", nameof(adapter));
        }
        if (Adapter is not null)
        {
            Unmerge();
            foreach (var linear in _linears.Values) linear.Lora = null;
        }
        Adapter = adapter;
        foreach (var (name, layer) in adapter?.Layers ?? [])
            _linears[name].Lora = layer;
    }

    /// <summary>Adds the attached adapter's updates into the base weights (faster inference; <see cref="Unmerge"/> undoes it).</summary>
    public void Merge()
    {
        foreach (var linear in _linears.Values) linear.Merge();
    }

    public void Unmerge()
    {
        foreach (var linear in _linears.Values) linear.Unmerge();
    }

    /// <summary>
    /// "cpu" or "cuda" (also "cuda:N"); CUDA only when the CUDA build of TorchSharp is referenced and a GPU
    /// is present, otherwise a one-line error.
    /// </summary>
    public static Device ParseDevice(string name)
    {
        if (name == "cpu") return CPU;
        if (name == "cuda" || name.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!cuda.is_available())
                throw new BadInputException($"--device {name}: CUDA is not available (this build uses TorchSharp-cpu, or there is no GPU)");
            return new Device(name);
        }
        throw new BadInputException($"--device {name}: expected cpu or cuda");
    }

    /// <summary>Sets requires_grad on every base weight (false while only an adapter is trained).</summary>
    public void SetBaseTrainable(bool trainable)
    {
        foreach (var parameter in parameters()) parameter.requires_grad = trainable;
    }
}
