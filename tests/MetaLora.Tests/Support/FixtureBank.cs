using System.Text;
using System.Text.Json;

namespace MetaLora.Tests.Support;

/// <summary>
/// Writes a small bank in the bank-directory contract (bank.json + datasets/&lt;task&gt;/*.jsonl),
/// tokenized with GPT-2's tiktoken vocabulary. Tasks come in families that share words, so their
/// token distributions differ in a structured way. Deterministic for a given seed.
/// </summary>
public static class FixtureBank
{
    private static readonly string[][] Families =
    [
        ["apple", "banana", "cherry", "grape", "lemon", "mango", "peach", "plum"],
        ["red", "green", "blue", "yellow", "purple", "orange", "black", "white"],
        ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"],
        ["river", "mountain", "forest", "desert", "ocean", "valley", "island", "lake"],
    ];

    public static IReadOnlyList<string> Create(string bankDir, int tasks = 6, int samples = 20, int wordsPerInput = 12, int seed = 1)
    {
        var names = Enumerable.Range(0, tasks).Select(i => $"task{i:000}_family{i % Families.Length}").ToList();
        Directory.CreateDirectory(bankDir);
        File.WriteAllText(System.IO.Path.Combine(bankDir, "bank.json"), JsonSerializer.Serialize(new
        {
            name = "fixture",
            tokenizer = new { kind = "tiktoken", model = "gpt2" },
            vocab_size = 50257,
            tasks = names,
        }));
        for (var t = 0; t < tasks; t++)
        {
            var dir = System.IO.Path.Combine(bankDir, "datasets", names[t]);
            Directory.CreateDirectory(dir);
            var random = new Random(seed * 1000 + t);
            var words = Families[t % Families.Length];
            foreach (var (split, count) in new[] { ("train", samples), ("valid", 4), ("test", 4) })
            {
                var sb = new StringBuilder();
                for (var s = 0; s < count; s++)
                {
                    var input = string.Join(' ', Enumerable.Range(0, wordsPerInput).Select(_ => words[random.Next(words.Length)]));
                    var output = words[random.Next(words.Length)];
                    sb.Append(JsonSerializer.Serialize(new
                    {
                        id = $"{names[t]}-{split}-{s}",
                        input = $"Definition: pick a word of task {t}.\n\nInput: {input}\n\nOutput:",
                        output = new[] { " " + output },
                    })).Append('\n');
                }
                File.WriteAllText(System.IO.Path.Combine(dir, split + ".jsonl"), sb.ToString());
            }
        }
        return names;
    }
}
