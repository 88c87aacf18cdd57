using TorchSharp;
using static TorchSharp.torch;

namespace MetaLora.Prediction.Coefficients.Mlp;

/// <summary>
/// MSE(C A, A) over the n x P entries, from G = A Aᵀ alone: ‖(C − I) A‖²_F = trace((C − I) G (C − I)ᵀ),
/// so the adapters (millions of parameters each) never enter the training loop.
/// </summary>
internal static class GramLoss
{
    /// <summary>C = softmin of each row of <paramref name="scores"/> with the diagonal at +inf (differentiable).</summary>
    public static Tensor Coefficients(Tensor scores)
    {
        using var scope = NewDisposeScope();
        var n = scores.shape[0];
        var diagonal = eye(n, dtype: ScalarType.Bool);
        using var infinity = double.PositiveInfinity.ToScalar();
        return (-scores.masked_fill(diagonal, infinity)).softmax(1).MoveToOuterDisposeScope();
    }

    /// <summary>trace((C − I) G (C − I)ᵀ) / (n · P) with C = <see cref="Coefficients"/>(scores).</summary>
    public static Tensor Loss(Tensor scores, Tensor gram, long parameters)
    {
        using var scope = NewDisposeScope();
        var n = scores.shape[0];
        var residual = Coefficients(scores) - eye(n, dtype: scores.dtype);
        // trace(M G Mᵀ) = Σ_ij (M G)_ij M_ij, without forming the n x n product's transpose.
        using var entries = ((double)n * parameters).ToScalar();
        return (residual.matmul(gram) * residual).sum().div(entries).MoveToOuterDisposeScope();
    }
}
