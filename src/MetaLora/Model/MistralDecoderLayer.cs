using static TorchSharp.torch;

namespace MetaLora.Model;

/// <summary>A pre-norm transformer block: x + attention(norm(x)), then h + mlp(norm(h)).</summary>
internal sealed class MistralDecoderLayer : nn.Module
{
    private readonly MistralAttention self_attn;
    private readonly MistralMlp mlp;
    private readonly MistralRmsNorm input_layernorm;
    private readonly MistralRmsNorm post_attention_layernorm;

    public MistralDecoderLayer(MistralConfig config, int layer, ScalarType dtype) : base(nameof(MistralDecoderLayer))
    {
        self_attn = new MistralAttention(config, layer, dtype);
        mlp = new MistralMlp(config, dtype);
        input_layernorm = new MistralRmsNorm(config.HiddenSize, config.RmsNormEps, dtype);
        post_attention_layernorm = new MistralRmsNorm(config.HiddenSize, config.RmsNormEps, dtype);
        RegisterComponents();
    }

    public Tensor forward(Tensor x, Tensor cos, Tensor sin, Tensor mask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        var h = x.add(self_attn.forward(input_layernorm.forward(x), cos, sin, mask, cache), TorchScalars.One);
        return h.add(mlp.forward(post_attention_layernorm.forward(h)), TorchScalars.One).MoveToOuterDisposeScope();
    }
}
