using MetaLora.Formats;
using MetaLora.IO;
using MetaLora.Prediction.Combining;
using MetaLora.Repro.CodeIdentity;

namespace MetaLora.Prediction.Baselines;

/// <summary>
/// The "best single LoRA" baseline: for each task, the adapter of the other task closest to it by the
/// metric's distance (the row's smallest off-diagonal entry; ties go to the earlier task), copied as it is.
/// </summary>
[StageVariant(BaselineNames.Parameter, BaselineNames.Nearest)]
internal static class NearestBaseline
{
    /// <summary>Per row, the column of the smallest distance other than the diagonal.</summary>
    public static int[] Choose(double[,] distances)
    {
        ArgumentNullException.ThrowIfNull(distances);
        var n = distances.GetLength(0);
        var nearest = new int[n];
        for (var i = 0; i < n; i++)
        {
            var best = -1;
            for (var j = 0; j < n; j++)
                if (j != i && (best < 0 || distances[i, j] < distances[i, best])) best = j;
            nearest[i] = best;
        }
        return nearest;
    }

    /// <summary>Copies adapter <c>nearest[i]</c> into output folder i (weights first, config last, each atomically) with a note of its source.</summary>
    public static void Copy(IReadOnlyList<string> bankAdapters, IReadOnlyList<string> tasks, int[] nearest, IReadOnlyList<string> outputFolders)
    {
        ArgumentNullException.ThrowIfNull(nearest);
        // Each output is a copy of its source's weights and config (its note is a task name: a few bytes).
        AdapterOutputFile.RequireSpace(outputFolders, i => nearest[i] < 0 ? 0
            : new FileInfo(PeftAdapter.WeightsPathIn(bankAdapters[nearest[i]])).Length + new FileInfo(PeftAdapter.ConfigPathIn(bankAdapters[nearest[i]])).Length);
        Parallel.For(0, outputFolders.Count, i =>
        {
            var folder = outputFolders[i];
            Directory.CreateDirectory(folder);
            if (File.Exists(PeftAdapter.ConfigPathIn(folder))) File.Delete(PeftAdapter.ConfigPathIn(folder));
            if (nearest[i] < 0) throw new BadInputException($"{tasks[i]}: the bank has no other task to take the nearest adapter from");
            var source = bankAdapters[nearest[i]];
            AtomicFile.WriteAllBytes(PeftAdapter.WeightsPathIn(folder), File.ReadAllBytes(PeftAdapter.WeightsPathIn(source)));
            AtomicFile.WriteAllText(Path.Combine(folder, "nearest.txt"), tasks[nearest[i]] + "\n");
            AtomicFile.WriteAllBytes(PeftAdapter.ConfigPathIn(folder), File.ReadAllBytes(PeftAdapter.ConfigPathIn(source)));
        });
    }
}
