using MetaLora.Formats;

namespace MetaLora.Prediction;

/// <summary>The same element range of one tensor from every bank adapter, as the rows of a matrix.</summary>
internal static class BankChunk
{
    /// <summary>
    /// Fills row j of <paramref name="rows"/> (row length <paramref name="count"/>) with elements
    /// [first, first + count) of tensor j, then releases those mapped pages: streaming passes read every
    /// byte once, and unreleased pages would keep the resident set growing to the size of the bank.
    /// </summary>
    public static void Read(IReadOnlyList<SafetensorsReader> readers, IReadOnlyList<TensorInfo> tensors, long first, int count, float[] rows) =>
        Parallel.For(0, readers.Count, j =>
        {
            readers[j].ReadFloat32(tensors[j], first, rows.AsSpan(j * count, count));
            readers[j].Release(tensors[j], first, count);
        });
}
