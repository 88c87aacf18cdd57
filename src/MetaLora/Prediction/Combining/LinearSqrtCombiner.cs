using MetaLora.Formats;
using MetaLora.Repro.CodeIdentity;

namespace MetaLora.Prediction.Combining;

/// <summary>
/// PEFT's <c>add_weighted_adapter</c> linear rule: with w_j = c_j s_j (s the bank's scaling), the
/// output's B = Σ_j √|w_j| B_j and A = Σ_j sign(w_j) √|w_j| A_j, rank the bank's r and lora_alpha = r
/// (scaling 1). The product is then Σ_j w_j B_j A_j plus the cross terms √(w_i w_j) B_i A_j: the
/// useful terms keep their weights, but the cross terms remain. Streamed like the paper's mixer.
/// </summary>
[StageVariant(CombinerNames.Parameter, CombinerNames.LinearSqrt)]
internal static class LinearSqrtCombiner
{
    /// <summary>The A-side and B-side weights for coefficients <paramref name="coefficients"/> and scaling <paramref name="scaling"/>.</summary>
    public static (double[,] A, double[,] B) Weights(double[,] coefficients, double scaling)
    {
        ArgumentNullException.ThrowIfNull(coefficients);
        var rows = coefficients.GetLength(0);
        var cols = coefficients.GetLength(1);
        var a = new double[rows, cols];
        var b = new double[rows, cols];
        for (var i = 0; i < rows; i++)
            for (var j = 0; j < cols; j++)
            {
                var w = coefficients[i, j] * scaling;
                var root = Math.Sqrt(Math.Abs(w));
                b[i, j] = root;
                // The sign goes on A only, so a negative weight still gives a real factor.
                a[i, j] = w < 0 ? -root : root;
            }
        return (a, b);
    }

    /// <param name="bank">The bank's adapters (checked consistent).</param>
    /// <param name="coefficients">One row per output, one column per bank adapter.</param>
    /// <param name="outputFolders">One adapter folder per row.</param>
    /// <param name="progress">Receives the share of the work done, from 0 to 1.</param>
    public static void Mix(IReadOnlyList<PeftAdapter> bank, double[,] coefficients, IReadOnlyList<string> outputFolders, IProgress<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(bank);
        var scaling = FactorCombinerChecks.Scaling(bank[0], "linear-sqrt");
        var (a, b) = Weights(coefficients, scaling);
        var isB = bank[0].Modules.Select(m => m.B.Name).ToHashSet(StringComparer.Ordinal);
        StreamingMix.Run(bank, [a, b], spec => isB.Contains(spec.Name) ? 1 : 0, outputFolders,
            FactorCombinerChecks.UnitScaling(bank[0].Config, bank[0].Config.R), StreamingMix.DefaultChunkBytes, progress);
    }
}
