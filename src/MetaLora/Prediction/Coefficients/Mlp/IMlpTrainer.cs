namespace MetaLora.Prediction.Coefficients.Mlp;

/// <summary>
/// One engine's f while mlp_version trains it on a fixed set of inputs: evaluation, one full-batch Adam
/// step from the loss's gradient with respect to f's outputs, its state for checkpoints, and f on other
/// inputs once training is done.
/// </summary>
internal interface IMlpTrainer : IDisposable
{
    /// <summary>f at each training input, in the order the inputs were given.</summary>
    double[] Evaluate();

    /// <summary>
    /// One Adam step on the gradient of Σ_k upstream[k]·f(inputs[k]) at the current parameters (with
    /// upstream = ∂loss/∂f(inputs), the full-batch gradient of the loss, by the chain rule).
    /// </summary>
    void Step(double[] upstream);

    /// <summary>Writes f and Adam's state.</summary>
    void Save(BinaryWriter writer);

    /// <summary>Restores what <see cref="Save"/> wrote.</summary>
    void Resume(BinaryReader reader);

    /// <summary>f at other inputs with the current parameters.</summary>
    double[] Apply(double[] inputs);

    /// <summary>The trained f as a module, owned by the caller from then on.</summary>
    CoefficientMlp TakeResult();
}
