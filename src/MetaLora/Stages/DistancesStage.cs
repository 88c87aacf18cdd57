using MetaLora.Bank;
using MetaLora.Formats;
using MetaLora.Distances;
using MetaLora.Layout;
using MetaLora.Repro;

namespace MetaLora.Stages;

/// <summary>
/// Distances: the N x N matrix of one metric between the token distributions of the bank's tasks,
/// into <c>preprocessed/distances/&lt;METRIC&gt;.csv</c>.
/// </summary>
internal static class DistancesStage
{
    public static void Run(BankInfo bank, DataLayout layout, Metric metric, int limit, ulong seed, IProgress<int>? progress = null)
    {
        var tasks = bank.Take(limit);
        var tokens = LoadTokens(layout, tasks);
        // Checked here too, to name the file a bad id came from.
        for (var i = 0; i < tasks.Count; i++)
            if (DistanceMatrix.OutsideVocabulary(tokens[i], bank.VocabSize) is var at and >= 0)
                throw new BadInputException($"{layout.TokenFile(tasks[i])}: token id {tokens[i][at]} at position {at} is outside the bank's vocabulary [0, {bank.VocabSize}) (tokenized with another tokenizer? rerun Tokenize with --force)");
        var matrix = DistanceMatrix.Compute(metric, tokens, tasks, bank.VocabSize, seed, progress);
        var file = layout.DistanceFile(metric.ToString());
        for (var i = 0; i < tasks.Count; i++)
            for (var j = 0; j < tasks.Count; j++)
                if (!double.IsFinite(matrix[i, j]))
                    throw new BadInputException($"{file}: {metric} distance from {tasks[i]} to {tasks[j]} is {matrix[i, j]}; nothing written");
        MatrixCsv.Write(file, tasks, matrix);
    }

    public static IReadOnlyList<int[]> LoadTokens(DataLayout layout, IReadOnlyList<string> tasks)
    {
        foreach (var task in tasks)
            if (!File.Exists(layout.TokenFile(task)))
                throw new BadInputException($"{layout.TokenFile(task)}: not found; run the Tokenize stage first");
        var result = new int[tasks.Count][];
        ParallelItems.ForEach(Enumerable.Range(0, tasks.Count).ToList(), i => result[i] = Npy.ReadInt32(layout.TokenFile(tasks[i])));
        return result;
    }
}
