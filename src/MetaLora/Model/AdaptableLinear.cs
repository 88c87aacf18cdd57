using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MetaLora.Model;

/// <summary>
/// A bias-free linear layer (y = x Wᵀ, W out × in, as Mistral's projections) that can carry a
/// <see cref="LoraLayer"/>. Its only parameter is <c>weight</c>, so the state dict key is exactly
/// Hugging Face's (e.g. <c>model.layers.0.self_attn.q_proj.weight</c>) whether or not a LoRA is attached.
/// </summary>
internal sealed class AdaptableLinear : nn.Module<Tensor, Tensor>
{
    // Field names are the state-dict names.
    private readonly Parameter weight;

    /// <summary>Weights are allocated, not initialised: a checkpoint or <see cref="MistralForCausalLM.Create"/> fills them.</summary>
    public AdaptableLinear(long inFeatures, long outFeatures, ScalarType dtype) : base(nameof(AdaptableLinear))
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        weight = nn.Parameter(empty([outFeatures, inFeatures], dtype));
        RegisterComponents();
    }

    public long InFeatures { get; }
    public long OutFeatures { get; }
    public Parameter Weight => weight;

    /// <summary>The attached LoRA, or null. Setting it does not touch the base weight.</summary>
    public LoraLayer? Lora { get; internal set; }

    public override Tensor forward(Tensor x)
    {
        var y = nn.functional.linear(x, weight);
        if (Lora is not { Merged: false } lora) return y;
        using var delta = lora.Forward(x, training);
        return y.add_(delta, TorchScalars.One);
    }

    /// <summary>Adds the attached LoRA's update into the weight; the branch is then skipped.</summary>
    internal void Merge()
    {
        if (Lora is not { Merged: false } lora) return;
        using var noGrad = no_grad();
        using var delta = lora.Delta(weight.dtype);
        weight.add_(delta, TorchScalars.One);
        lora.Merged = true;
    }

    /// <summary>Subtracts a merged LoRA's update again (exact up to rounding in the weight's dtype).</summary>
    internal void Unmerge()
    {
        if (Lora is not { Merged: true } lora) return;
        using var noGrad = no_grad();
        using var delta = lora.Delta(weight.dtype);
        weight.sub_(delta);
        lora.Merged = false;
    }
}
