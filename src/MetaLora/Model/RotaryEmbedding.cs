using static TorchSharp.torch;

namespace MetaLora.Model;

/// <summary>
/// Rotary position embeddings as Hugging Face's Llama/Mistral apply them: frequency i of a head of size
/// D is θ^(−2i/D); the angle table is repeated across both halves of the head (not interleaved), and
/// q' = q·cos + rotate_half(q)·sin with rotate_half(x) = [−x₂, x₁]. Angles are computed in float32 from
/// explicit position ids, so left-padded batches and cached decoding get each token's true position.
/// The sign of rotate_half is folded into the sine table ([−sin, sin]) and the half swap is a roll, so
/// applying the rotation costs four tensor operations: decoding one token is bound by operation count.
/// </summary>
internal sealed class RotaryEmbedding
{
    private readonly float[] _inverseFrequencies;

    public RotaryEmbedding(int headDim, double theta)
    {
        _inverseFrequencies = new float[headDim / 2];
        for (var i = 0; i < _inverseFrequencies.Length; i++)
            _inverseFrequencies[i] = (float)(1.0 / Math.Pow(theta, 2.0 * i / headDim));
    }

    /// <summary>The cos and signed sin tables (B, 1, T, D) for positions (B, T), in <paramref name="dtype"/>.</summary>
    public (Tensor Cos, Tensor Sin) Tables(Tensor positionIds, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var inverse = tensor(_inverseFrequencies, device: positionIds.device);
        var angles = positionIds.to_type(ScalarType.Float32).unsqueeze(-1).mul(inverse); // (B, T, D/2)
        var full = cat([angles, angles], -1).unsqueeze(1);                                // (B, 1, T, D)
        var cos = full.cos().to_type(dtype);
        var sin = angles.sin();
        var signedSin = cat([sin.neg(), sin], -1).unsqueeze(1).to_type(dtype);
        return (cos.MoveToOuterDisposeScope(), signedSin.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Rotates x (B, heads, T, D) by the tables from <see cref="Tables"/>:
    /// x·cos + [x₂, x₁]·[−sin, sin] = x·cos + rotate_half(x)·sin.
    /// </summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor signedSin)
    {
        using var scope = NewDisposeScope();
        var swapped = x.roll(x.shape[^1] / 2, -1);
        return x.mul(cos).add(swapped.mul(signedSin), TorchScalars.One).MoveToOuterDisposeScope();
    }
}
