using MetaLora.Formats;

namespace MetaLora.Bank;

/// <summary>
/// Finds and reads a split of a task folder. A split is <c>&lt;split&gt;.jsonl</c>, or else the
/// Hugging Face parquet layout: <c>&lt;split&gt;.parquet</c> or <c>&lt;split&gt;-*.parquet</c>, directly
/// in the folder or under <c>data/</c>.
/// </summary>
internal static class Dataset
{
    /// <summary>The files holding <paramref name="split"/>, in reading order.</summary>
    public static IReadOnlyList<string> SplitFiles(string taskDir, string split)
    {
        if (!Directory.Exists(taskDir)) throw BadInputException.At(taskDir, "dataset folder does not exist");

        foreach (var name in SplitNames(split))
        {
            var jsonl = Path.Combine(taskDir, name + ".jsonl");
            if (File.Exists(jsonl)) return [jsonl];
        }

        foreach (var dir in new[] { taskDir, Path.Combine(taskDir, "data") })
        {
            if (!Directory.Exists(dir)) continue;
            var files = SplitNames(split)
                .SelectMany(name => Directory.EnumerateFiles(dir, name + ".parquet")
                    .Concat(Directory.EnumerateFiles(dir, name + "-*.parquet")))
                .Distinct(StringComparer.Ordinal)
                .Order(StringComparer.Ordinal)
                .ToArray();
            if (files.Length > 0) return files;
        }

        throw BadInputException.At(taskDir,
            $"no \"{split}\" split (looked for {split}.jsonl, {split}.parquet and {split}-*.parquet, also under data/)");
    }

    /// <summary>All samples of <paramref name="split"/>; default ids number samples across files.</summary>
    public static IReadOnlyList<Sample> ReadSplit(string taskDir, string split)
    {
        var files = SplitFiles(taskDir, split);
        var samples = new List<Sample>();
        foreach (var file in files)
        {
            samples.AddRange(file.EndsWith(".jsonl", StringComparison.Ordinal)
                ? JsonlSamples.Read(file, split, samples.Count)
                : ParquetSamples.Read(file, split, samples.Count));
        }
        // Every task is trained on; other splits may legitimately be empty.
        if (split == "train" && samples.Count == 0)
            throw BadInputException.At(files.Count == 1 ? files[0] : taskDir, "train split is empty");
        return samples;
    }

    // Hugging Face names the validation split "validation"; banks call it "valid".
    private static IEnumerable<string> SplitNames(string split) =>
        split == "valid" ? ["valid", "validation"] : [split];
}
