namespace MetaLora.Prediction.Combining.Delta;

/// <summary>Options of the delta combiner.</summary>
/// <param name="Rank">The output adapters' rank; 0 = the bank's r.</param>
/// <param name="TopK">Coefficients kept per row (the largest, renormalised to the row's sum); 0 = all (N − 1).</param>
internal sealed record DeltaOptions(int Rank = 0, int TopK = 0)
{
    /// <summary>How many of a row's <paramref name="others"/> coefficients are combined.</summary>
    public int KeptPerRow(int others) => TopK == 0 ? others : Math.Min(TopK, others);
}
