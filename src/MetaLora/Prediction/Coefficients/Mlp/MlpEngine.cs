namespace MetaLora.Prediction.Coefficients.Mlp;

/// <summary>
/// How mlp_version evaluates and differentiates f. Both compute the paper's f and its full-batch
/// gradient; they differ in cost and precision. Declaration order is the canonical order;
/// <see cref="MlpEngineNames.Name"/> gives the names the tool accepts.
/// </summary>
public enum MlpEngine
{
    /// <summary>
    /// The default: f's first layer has a scalar input, so along the sorted inputs the hidden layer's
    /// active set changes only a few times per unit, and W2·h is kept up to date by adding or removing
    /// one column per change. O(nH + H²) per step instead of O(nH²), in float64.
    /// </summary>
    Sweep,

    /// <summary>f as a TorchSharp module evaluated on every input, in float32 as PyTorch's default: the reference.</summary>
    Dense,
}
