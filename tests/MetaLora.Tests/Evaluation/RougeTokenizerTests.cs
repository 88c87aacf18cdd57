using MetaLora.Evaluation;

namespace MetaLora.Tests.Evaluation;

/// <summary>rouge_score's DefaultTokenizer on cases where Python and .NET text handling could part ways.</summary>
public sealed class RougeTokenizerTests
{
    [Theory]
    [InlineData("The quick, brown fox!", "the quick brown fox")]
    [InlineData("it's 3.14", "it s 3 14")]
    [InlineData("snake_case and kebab-case", "snake case and kebab case")]
    [InlineData("café Straße", "caf stra e")] // every non-ASCII letter separates tokens
    [InlineData("我爱北京 and 👍🏽", "and")] // CJK and emoji (surrogate pairs) give no tokens
    [InlineData("İstanbul", "i stanbul")] // Python lowers İ to i + U+0307, which then separates
    [InlineData("\u212Aelvin", "kelvin")] // Python lowers KELVIN SIGN to an ASCII k
    [InlineData("", "")]
    [InlineData(" \t\r\n ", "")]
    [InlineData("ABC123def", "abc123def")]
    public void Tokens_without_stemming(string text, string expected) =>
        Assert.Equal(expected.Split(' ', StringSplitOptions.RemoveEmptyEntries), RougeTokenizer.Tokenize(text, stem: false));

    [Fact]
    public void Only_tokens_longer_than_three_characters_are_stemmed()
    {
        Assert.Equal("wa", PorterStemmer.Stem("was")); // what stemming would do to a 3-letter token
        Assert.Equal(["tie", "ran", "was", "was", "die", "happi"], RougeTokenizer.Tokenize("ties ran WAS was dies happy"));
    }
}
