using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MetaLora.Model;

/// <summary>
/// The decoder stack (Hugging Face's MistralModel, the <c>model.</c> prefix of the state dict):
/// token embedding, the layers, a final RMSNorm. Produces hidden states; <see cref="MistralForCausalLM"/>
/// adds the language-model head.
/// </summary>
internal sealed class MistralModel : nn.Module
{
    private readonly TokenEmbedding embed_tokens;
    private readonly ModuleList<MistralDecoderLayer> layers;
    private readonly MistralRmsNorm norm;
    private readonly RotaryEmbedding _rotary;
    private readonly MistralConfig _config;

    public MistralModel(MistralConfig config, ScalarType dtype) : base(nameof(MistralModel))
    {
        _config = config;
        embed_tokens = new TokenEmbedding(config.VocabSize, config.HiddenSize, dtype);
        layers = nn.ModuleList(Enumerable.Range(0, config.NumHiddenLayers).Select(i => new MistralDecoderLayer(config, i, dtype)).ToArray());
        norm = new MistralRmsNorm(config.HiddenSize, config.RmsNormEps, dtype);
        _rotary = new RotaryEmbedding(config.HeadDim, config.RopeTheta);
        RegisterComponents();
    }

    public TokenEmbedding EmbedTokens => embed_tokens;

    /// <param name="inputIds">(B, T) token ids.</param>
    /// <param name="attentionMask">(B, P + T): 1 for tokens, 0 for padding, over the cached and the new positions; null when nothing is padded.</param>
    /// <param name="positionIds">(B, T); default P, P + 1, …, which is right unless the batch is left-padded.</param>
    /// <param name="cache">The P cached positions; this call's keys and values are appended.</param>
    /// <returns>Final hidden states (B, T, hidden).</returns>
    public Tensor forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? positionIds = null, KvCache? cache = null)
    {
        using var scope = NewDisposeScope();
        long batch = inputIds.shape[0], length = inputIds.shape[1], past = cache?.Length ?? 0;
        var h = embed_tokens.forward(inputIds);
        if (positionIds is null)
        {
            using var first = past.ToScalar();
            using var end = (past + length).ToScalar();
            positionIds = arange(first, end, TorchScalars.One, ScalarType.Int64, inputIds.device).unsqueeze(0).expand(batch, length);
        }
        var mask = AttentionMask.Build(batch, length, past, attentionMask, _config.SlidingWindow, h.dtype, h.device);
        var (cos, sin) = _rotary.Tables(positionIds, h.dtype);
        foreach (var layer in layers)
            h = layer.forward(h, cos, sin, mask, cache);
        cache?.Advance(length);
        return norm.forward(h).MoveToOuterDisposeScope();
    }
}
