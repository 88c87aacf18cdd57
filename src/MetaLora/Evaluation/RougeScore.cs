namespace MetaLora.Evaluation;

/// <summary>Precision, recall and F-measure of one ROUGE comparison, as rouge_score's <c>Score</c>.</summary>
internal readonly record struct RougeScore(double Precision, double Recall, double FMeasure)
{
    /// <summary>
    /// hits / prediction length and hits / target length, and their harmonic mean written as
    /// rouge_score's <c>fmeasure</c> computes it (2 p r / (p + r), 0 when p + r = 0), for the same bits.
    /// </summary>
    public static RougeScore From(int hits, int predictionLength, int targetLength)
    {
        var precision = (double)hits / predictionLength;
        var recall = (double)hits / targetLength;
        var f = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
        return new RougeScore(precision, recall, f);
    }
}
