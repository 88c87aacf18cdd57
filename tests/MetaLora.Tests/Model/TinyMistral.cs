using MetaLora.Model;
using static TorchSharp.torch;

namespace MetaLora.Tests.Model;

/// <summary>Tiny models of Mistral's shape family (grouped-query attention, SwiGLU, RMSNorm, rotary).</summary>
internal static class TinyMistral
{
    public static MistralConfig Config(bool tied = false, int? slidingWindow = null, int vocab = 64, int layers = 2) =>
        MistralConfig.Create(vocabSize: vocab, hiddenSize: 32, intermediateSize: 48, numHiddenLayers: layers, numAttentionHeads: 4,
            numKeyValueHeads: 2, slidingWindow: slidingWindow, tieWordEmbeddings: tied, ropeTheta: 10000, bosTokenId: 1, eosTokenId: 2);

    public static MistralForCausalLM Model(long seed = 1, bool tied = false, int? slidingWindow = null, ScalarType dtype = ScalarType.Float32) =>
        MistralForCausalLM.Create(Config(tied, slidingWindow), seed, dtype);

    /// <summary>Deterministic token ids in [3, vocab) (0..2 are pad/BOS/EOS).</summary>
    public static Tensor Ids(int batch, int length, int seed, int vocab = 64)
    {
        var random = new Random(seed);
        var ids = new long[batch * length];
        for (var i = 0; i < ids.Length; i++) ids[i] = random.Next(3, vocab);
        return tensor(ids, [batch, length]);
    }

    public static float[] Logits(MistralForCausalLM model, Tensor ids)
    {
        using var noGrad = no_grad();
        using var logits = model.forward(ids);
        return logits.data<float>().ToArray();
    }

    public static float MaxAbsDifference(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        var max = 0f;
        for (var i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }
}
