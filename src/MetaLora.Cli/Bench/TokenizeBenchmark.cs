using System.Diagnostics;
using System.Text;
using MetaLora.Tokenization;
using Microsoft.ML.Tokenizers;
using MetaLora.Formats;
using MetaLora.Repro;

namespace MetaLora.Cli.Bench;

/// <summary>
/// Times Tokenize's work (every task's samples through <see cref="TaskTokenizer"/>, tasks in parallel
/// as the stage runs them) on synthetic instruction-style samples: prose from common words,
/// numbers, code-like lines, punctuation and letter runs, a little non-Latin text.
/// </summary>
internal static class TokenizeBenchmark
{
    private static readonly string[] Common =
    [
        "the", "of", "and", "to", "in", "is", "you", "that", "it", "he", "was", "for", "on", "are", "as", "with",
        "his", "they", "at", "be", "this", "have", "from", "or", "one", "had", "by", "word", "but", "not", "what",
        "all", "were", "we", "when", "your", "can", "said", "there", "use", "an", "each", "which", "she", "do",
        "how", "their", "if", "will", "up", "other", "about", "out", "many", "then", "them", "these", "so", "some",
        "her", "would", "make", "like", "him", "into", "time", "has", "look", "two", "more", "write", "go", "see",
        "number", "no", "way", "could", "people", "my", "than", "first", "water", "been", "call", "who", "oil",
        "sentence", "question", "answer", "given", "task", "output", "input", "definition", "classify", "review",
        "translation", "positive", "negative", "summary", "paragraph", "following", "generate", "context",
    ];

    private static readonly string[] Foreign = ["Привет", "мир", "日本語", "中文", "Ελληνικά", "café", "naïve", "😀", "🚀", "العربية"];

    /// <summary>Synthetic tasks of <paramref name="samplesPerTask"/> samples each, from a fixed seed.</summary>
    public static List<IReadOnlyList<Sample>> Synthesize(int tasks, int samplesPerTask, int seed)
    {
        var random = new Random(seed);
        var result = new List<IReadOnlyList<Sample>>(tasks);
        for (var t = 0; t < tasks; t++)
        {
            var samples = new Sample[samplesPerTask];
            for (var s = 0; s < samplesPerTask; s++)
                samples[s] = new Sample($"task{t}-{s}", "Definition: " + Prose(random, 30) + "\n\nInput: " + Prose(random, 60) + "\nOutput:",
                    [" " + Prose(random, 12)]);
            result.Add(samples);
        }
        return result;
    }

    private static string Prose(Random random, int words)
    {
        var text = new StringBuilder();
        for (var i = 0; i < words; i++)
        {
            if (i > 0) text.Append(random.Next(40) == 0 ? "\n" : " ");
            var kind = random.Next(100);
            if (kind < 80) text.Append(Common[random.Next(Common.Length)]);
            else if (kind < 87) text.Append(random.Next(100_000));
            else if (kind < 91) text.Append(Foreign[random.Next(Foreign.Length)]);
            else if (kind < 95) text.Append(new string(".-=!*_#~"[random.Next(8)], random.Next(2, 40)));
            else if (kind < 97) text.Append(new string((char)('a' + random.Next(26)), random.Next(2, 8)));
            else text.Append("    x = f(").Append(random.Next(10)).Append(");");
            if (random.Next(8) == 0) text.Append(",.;:?!"[random.Next(6)]);
        }
        return text.ToString();
    }

    /// <summary>Tokenizes every task <paramref name="runs"/> times (after one warm-up pass).</summary>
    public static TokenizeTiming Time(Tokenizer tokenizer, IReadOnlyList<IReadOnlyList<Sample>> tasks, int vocabSize, int runs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(runs, 1);
        long Pass()
        {
            long tokens = 0;
            ParallelItems.ForEach(Enumerable.Range(0, tasks.Count).ToList(), t =>
                Interlocked.Add(ref tokens, TaskTokenizer.Tokenize(tokenizer, tasks[t], vocabSize, $"task {t}").Length));
            return tokens;
        }
        var tokens = Pass();
        var seconds = new List<double>(runs);
        var cpuSeconds = new List<double>(runs);
        using var process = Process.GetCurrentProcess();
        for (var r = 0; r < runs; r++)
        {
            process.Refresh();
            var cpu = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            Pass();
            seconds.Add(clock.Elapsed.TotalSeconds);
            process.Refresh();
            cpuSeconds.Add((process.TotalProcessorTime - cpu).TotalSeconds);
        }
        var characters = tasks.Sum(task => task.Sum(s => (long)s.Input.Length + s.Output[0].Length));
        return new TokenizeTiming(tokens, characters, seconds, cpuSeconds);
    }
}
