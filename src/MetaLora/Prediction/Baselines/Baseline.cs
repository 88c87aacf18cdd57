namespace MetaLora.Prediction.Baselines;

/// <summary>
/// The baselines a predicted adapter is compared with, besides the base model and the task's own
/// adapter. Declaration order is the canonical order; <see cref="BaselineNames.Name"/> gives the names.
/// </summary>
internal enum Baseline
{
    /// <summary>The plain average of every other task's adapter (AdapterSoup's uniform soup), under each selected combiner.</summary>
    Uniform,

    /// <summary>The closest task's own adapter by the metric's distance ("best single LoRA").</summary>
    Nearest,
}
