using System.Text.Json.Serialization;
using MetaLora.Evaluation;
using MetaLora.Tests.Support;

namespace MetaLora.Tests.Evaluation;

/// <summary>
/// The stemmer against NLTK's PorterStemmer (NLTK_EXTENSIONS) on ~30k words gathered from the
/// machine's text files plus hand-picked hard cases (Fixtures/make_rouge_fixtures.py).
/// </summary>
public sealed class PorterStemmerTests
{
    public sealed record StemCase(
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("words")] string[] Words,
        [property: JsonPropertyName("stems")] string[] Stems);

    private static readonly FixtureCases<StemCase> Cases = new("porter_stems.json", c => c.Name);

    [Fact]
    public void Every_stem_equals_nltk()
    {
        var c = Cases["words"];
        Assert.Equal(c.Words.Length, c.Stems.Length);
        Assert.True(c.Words.Length > 20_000, $"only {c.Words.Length} words in the fixture");
        var wrong = Enumerable.Range(0, c.Words.Length)
            .Select(i => (Word: c.Words[i], Expected: c.Stems[i], Actual: PorterStemmer.Stem(c.Words[i])))
            .Where(x => x.Actual != x.Expected)
            .Take(20)
            .Select(x => $"{x.Word}: NLTK {x.Expected}, got {x.Actual}")
            .ToList();
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Theory]
    // Porter's own examples (the paper's steps) and NLTK's departures from them.
    [InlineData("caresses", "caress")]
    [InlineData("ponies", "poni")]
    [InlineData("ties", "tie")] // NLTK: a four-letter "ies" word keeps "ie"
    [InlineData("cats", "cat")]
    [InlineData("agreed", "agre")]
    [InlineData("feed", "feed")]
    [InlineData("plastered", "plaster")]
    [InlineData("motoring", "motor")]
    [InlineData("hopping", "hop")]
    [InlineData("falling", "fall")]
    [InlineData("filing", "file")]
    [InlineData("happy", "happi")]
    [InlineData("enjoy", "enjoy")] // NLTK: y -> i only after a consonant
    [InlineData("spied", "spi")]
    [InlineData("died", "die")]
    [InlineData("relational", "relat")]
    [InlineData("generously", "gener")]
    [InlineData("radically", "radic")] // "alli" -> "al" first, then step 2 again
    [InlineData("hopefully", "hope")] // "fulli"
    [InlineData("geology", "geolog")] // "logi" keeps the l with the stem
    [InlineData("skies", "sky")] // the irregular-forms pool
    [InlineData("dying", "die")]
    [InlineData("succeed", "succeed")]
    [InlineData("controll", "control")]
    [InlineData("is", "is")] // two letters: unchanged
    [InlineData("1990s", "1990")]
    public void Known_stems(string word, string stem) => Assert.Equal(stem, PorterStemmer.Stem(word));
}
