namespace MetaLora.Prediction.Combining;

/// <summary>
/// How the weighted bank adapters become one predicted adapter. Declaration order is the canonical
/// order; <see cref="CombinerNames.Name"/> gives the command-line names.
/// </summary>
internal enum Combiner
{
    /// <summary>The paper's: A's and B's summed separately with the coefficients (<see cref="AdapterMixer"/>).</summary>
    Paper,

    /// <summary>PEFT's linear rule: √(c s) on B, sign-aware √(c s) on A, then summed (<c>LinearSqrtCombiner</c>).</summary>
    LinearSqrt,

    /// <summary>The exact ΔW = Σ c s B A, refactored to a LoRA of a chosen rank (<c>DeltaCombiner</c>).</summary>
    Delta,
}
