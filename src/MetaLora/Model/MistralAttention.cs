using TorchSharp;
using static TorchSharp.torch;

namespace MetaLora.Model;

/// <summary>
/// Grouped-query self-attention: num_attention_heads query heads share num_key_value_heads key/value
/// heads (each key/value head serves <see cref="MistralConfig.KeyValueGroups"/> consecutive query heads,
/// as Hugging Face's repeat_kv), rotary positions on queries and keys, softmax(QKᵀ/√D + mask)·V.
/// </summary>
internal sealed class MistralAttention : nn.Module
{
    private readonly AdaptableLinear q_proj;
    private readonly AdaptableLinear k_proj;
    private readonly AdaptableLinear v_proj;
    private readonly AdaptableLinear o_proj;
    private readonly int _heads;
    private readonly int _kvHeads;
    private readonly int _headDim;
    private readonly int _layer;
    private readonly Scalar _scale;

    public MistralAttention(MistralConfig config, int layer, ScalarType dtype) : base(nameof(MistralAttention))
    {
        _heads = config.NumAttentionHeads;
        _kvHeads = config.NumKeyValueHeads;
        _headDim = config.HeadDim;
        _layer = layer;
        _scale = (1.0 / Math.Sqrt(_headDim)).ToScalar();
        q_proj = new AdaptableLinear(config.HiddenSize, (long)_heads * _headDim, dtype);
        k_proj = new AdaptableLinear(config.HiddenSize, (long)_kvHeads * _headDim, dtype);
        v_proj = new AdaptableLinear(config.HiddenSize, (long)_kvHeads * _headDim, dtype);
        o_proj = new AdaptableLinear((long)_heads * _headDim, config.HiddenSize, dtype);
        RegisterComponents();
    }

    /// <param name="x">(B, T, hidden)</param>
    /// <param name="cos">Rotary tables (B, 1, T, D) from <see cref="RotaryEmbedding.Tables"/> (cos and signed sin).</param>
    /// <param name="sin">The signed sine table that goes with <paramref name="cos"/>.</param>
    /// <param name="mask">Additive mask (B, 1, T, P + T), see <see cref="AttentionMask"/>.</param>
    /// <param name="cache">Keys and values of the P earlier positions; receives this call's.</param>
    public Tensor forward(Tensor x, Tensor cos, Tensor sin, Tensor mask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        long batch = x.shape[0], length = x.shape[1];
        var q = q_proj.forward(x).view(batch, length, _heads, _headDim).transpose(1, 2);
        var k = k_proj.forward(x).view(batch, length, _kvHeads, _headDim).transpose(1, 2);
        var v = v_proj.forward(x).view(batch, length, _kvHeads, _headDim).transpose(1, 2);
        q = RotaryEmbedding.Apply(q, cos, sin);
        k = RotaryEmbedding.Apply(k, cos, sin);
        if (cache is not null) (k, v) = cache.Update(_layer, k, v);
        if (_heads != _kvHeads)
        {
            k = k.repeat_interleave(_heads / _kvHeads, dim: 1);
            v = v.repeat_interleave(_heads / _kvHeads, dim: 1);
        }
        var scores = q.matmul(k.transpose(2, 3)).mul(_scale).add(mask, TorchScalars.One);
        // Softmax in float32 whatever the weights' dtype, as Hugging Face's eager attention does.
        var weights = nn.functional.softmax(scores, -1, ScalarType.Float32).to_type(q.dtype);
        var output = weights.matmul(v).transpose(1, 2).reshape(batch, length, (long)_heads * _headDim);
        return o_proj.forward(output).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _scale.Dispose();
        base.Dispose(disposing);
    }
}
