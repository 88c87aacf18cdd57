using MetaLora.Formats;
using MetaLora.Repro.CodeIdentity;

namespace MetaLora.Prediction.Combining;

/// <summary>
/// The paper's combination step: predicted adapter i = Σ_j C[i][j] · adapter_j, tensor by tensor
/// (A and B matrices combined separately), keys, shapes, dtype and config of the bank kept, fp32
/// accumulation, streamed over the memory-mapped bank (<see cref="StreamingMix"/>).
/// </summary>
[StageVariant(CombinerNames.Parameter, CombinerNames.Paper)]
internal static class AdapterMixer
{
    /// <summary>Bytes of fp32 working memory per chunk (bank rows plus output rows).</summary>
    public const long DefaultChunkBytes = StreamingMix.DefaultChunkBytes;

    /// <param name="bank">The bank's adapters (checked consistent: same keys, shapes, dtypes).</param>
    /// <param name="coefficients">One row per output, one column per bank adapter.</param>
    /// <param name="outputFolders">One adapter folder per row of <paramref name="coefficients"/>.</param>
    /// <param name="chunkBytes">Working-memory budget per chunk, see <see cref="DefaultChunkBytes"/>.</param>
    /// <param name="progress">Receives the share of the work done, from 0 to 1.</param>
    public static void Mix(IReadOnlyList<PeftAdapter> bank, double[,] coefficients, IReadOnlyList<string> outputFolders,
        long chunkBytes = DefaultChunkBytes, IProgress<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(bank);
        StreamingMix.Run(bank, [coefficients], _ => 0, outputFolders, bank[0].Config, chunkBytes, progress);
    }
}
