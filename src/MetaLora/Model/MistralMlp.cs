using static TorchSharp.torch;

namespace MetaLora.Model;

/// <summary>SwiGLU feed-forward: down_proj(silu(gate_proj(x)) · up_proj(x)).</summary>
internal sealed class MistralMlp : nn.Module<Tensor, Tensor>
{
    private readonly AdaptableLinear gate_proj;
    private readonly AdaptableLinear up_proj;
    private readonly AdaptableLinear down_proj;

    public MistralMlp(MistralConfig config, ScalarType dtype) : base(nameof(MistralMlp))
    {
        gate_proj = new AdaptableLinear(config.HiddenSize, config.IntermediateSize, dtype);
        up_proj = new AdaptableLinear(config.HiddenSize, config.IntermediateSize, dtype);
        down_proj = new AdaptableLinear(config.IntermediateSize, config.HiddenSize, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = nn.functional.silu(gate_proj.forward(x)).mul(up_proj.forward(x));
        return down_proj.forward(h).MoveToOuterDisposeScope();
    }
}
