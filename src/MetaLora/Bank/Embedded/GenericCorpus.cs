using MetaLora.Formats;

namespace MetaLora.Bank.Embedded;

/// <summary>
/// The base model's training data: instruction tasks of other families than the bank's (copying,
/// joining with commas, the word after a given one, membership, counting up) plus plain word
/// sequences over every word, letter and number the bank uses. The base learns the prompt layout,
/// the words and stopping at EOS, but none of the bank's tasks; in particular no translation pair
/// ever appears, only the words.
/// </summary>
internal static class GenericCorpus
{
    private static readonly string[] Vocabulary = Words.Nouns
        .Concat(Words.Positive).Concat(Words.Negative).Concat(Words.Animals).Concat(Words.Foods).Concat(Words.Colors)
        .Concat(Words.Fillers).Concat(Words.DictionaryEnglish).Concat(Words.Dictionaries.Values.SelectMany(v => v))
        .Concat(["positive", "negative", "yes", "no", "animal", "food", "color", "was", "is", "here", "one"])
        .Distinct().ToArray();

    private static readonly BankTask[] Tasks =
    [
        new("copy", "generic", "Repeat the input exactly.", r => Same(Items(r))),
        new("commas", "generic", "Join the words of the list with commas.", r =>
        {
            var words = TaskCatalog.Pick(r, Vocabulary, r.Next(2, 6));
            return (TaskCatalog.Join(words), string.Join(", ", words));
        }),
        new("after", "generic", "You are given a list of words and a word of the list. Return the word that follows it.", r =>
        {
            var words = TaskCatalog.PickDistinct(r, Vocabulary, r.Next(3, 6));
            var at = r.Next(words.Length - 1);
            return ($"{TaskCatalog.Join(words)} ; {words[at]}", words[at + 1]);
        }),
        new("contains", "generic", "Does the list contain the given word? Answer yes or no.", r =>
        {
            var words = TaskCatalog.PickDistinct(r, Vocabulary, r.Next(3, 6));
            var probe = r.Next(2) == 0 ? words[r.Next(words.Length)] : TaskCatalog.Pick(r, Vocabulary);
            return ($"{TaskCatalog.Join(words)} ; {probe}", words.Contains(probe) ? "yes" : "no");
        }),
        new("countup", "generic", "Count from the first number to the second number.", r =>
        {
            var from = r.Next(0, 45);
            var to = from + r.Next(1, 6);
            return ($"{from}, {to}", string.Join(' ', Enumerable.Range(from, to - from + 1)));
        }),
        new("text", "generic", "Continue the text.", r =>
        {
            var words = Items(r);
            return (words, words);
        }),
    ];

    /// <summary><paramref name="count"/> seeded samples, tasks interleaved.</summary>
    public static IReadOnlyList<Sample> Samples(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(i => Tasks[i % Tasks.Length].Sample($"generic-{i}", random)).ToArray();
    }

    private static (string, string) Same(string text) => (text, text);

    /// <summary>A short run of words, letters (space-separated, as the Caesar tasks write them) or numbers.</summary>
    private static string Items(Random r) => r.Next(3) switch
    {
        0 => TaskCatalog.Join(TaskCatalog.Pick(r, Vocabulary, r.Next(2, 7))),
        1 => TaskCatalog.Join(TaskCatalog.Pick(r, Words.Letters, r.Next(3, 7))),
        _ => string.Join(", ", Enumerable.Range(0, r.Next(2, 6)).Select(_ => r.Next(0, 50))),
    };
}
