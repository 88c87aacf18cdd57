namespace MetaLora.Prediction.Combining.Delta;

/// <summary>
/// What the delta combiner kept for one output, written beside the adapter as <c>combine_report.json</c>.
/// </summary>
/// <param name="Rank">The output's rank.</param>
/// <param name="TopK">Bank adapters combined (the row's largest coefficients).</param>
/// <param name="CoefficientMassKept">Σ of the kept coefficients' magnitudes over Σ of all, before renormalising.</param>
/// <param name="EnergyKept">Σ over modules of ‖ΔW‖²_F kept by the rank truncation, over Σ of ‖ΔW‖²_F.</param>
/// <param name="MinModuleEnergyKept">The smallest such fraction of a single module.</param>
internal sealed record DeltaReport(int Rank, int TopK, double CoefficientMassKept, double EnergyKept, double MinModuleEnergyKept)
{
    /// <summary>The sidecar's file name in the adapter folder.</summary>
    public const string FileName = "combine_report.json";
}
