using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MetaLora.Model;

/// <summary>
/// The token embedding table (vocab × hidden), <c>model.embed_tokens.weight</c>. Its own module rather
/// than nn.Embedding so that construction allocates without initialising (loading a 7B checkpoint should
/// not first draw 7B random numbers) and so that a tied lm_head can share the weight.
/// </summary>
internal sealed class TokenEmbedding : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;

    public TokenEmbedding(long vocabSize, long hiddenSize, ScalarType dtype) : base(nameof(TokenEmbedding))
    {
        weight = nn.Parameter(empty([vocabSize, hiddenSize], dtype));
        RegisterComponents();
    }

    public Parameter Weight => weight;

    /// <summary>Token ids (B, T) to vectors (B, T, hidden).</summary>
    public override Tensor forward(Tensor ids)
    {
        using var flat = ids.reshape(-1);
        using var rows = weight.index_select(0, flat);
        return rows.reshape([.. ids.shape, weight.shape[1]]);
    }
}
