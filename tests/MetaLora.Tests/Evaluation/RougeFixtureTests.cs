using System.Text.Json.Serialization;
using MetaLora.Evaluation;
using MetaLora.Tests.Support;

namespace MetaLora.Tests.Evaluation;

/// <summary>
/// Tokens, rougeL and rougeLsum against the fixture written by Fixtures/make_rouge_fixtures.py (NLTK's
/// stemmer in a transcription of rouge_score's algorithm): punctuation, digits, non-ASCII text,
/// empty and whitespace-only strings, repeated tokens, multi-line texts with empty lines, and random
/// token soups that stress the LCS tie-breaks.
/// </summary>
public sealed class RougeFixtureTests
{
    private const double Tolerance = 1e-12;

    public sealed record RougeCase(
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("target")] string Target,
        [property: JsonPropertyName("prediction")] string Prediction,
        [property: JsonPropertyName("target_tokens")] string[] TargetTokens,
        [property: JsonPropertyName("prediction_tokens")] string[] PredictionTokens,
        [property: JsonPropertyName("target_tokens_unstemmed")] string[] TargetTokensUnstemmed,
        [property: JsonPropertyName("rougeL")] double[] RougeL,
        [property: JsonPropertyName("rougeLsum")] double[] RougeLsum);

    private static readonly FixtureCases<RougeCase> Cases = new("rouge.json", c => c.Name);

    public static TheoryData<string> CaseNames() => Cases.Names();

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Tokens_match(string name)
    {
        var c = Cases[name];
        Assert.Equal(c.TargetTokens, RougeTokenizer.Tokenize(c.Target));
        Assert.Equal(c.PredictionTokens, RougeTokenizer.Tokenize(c.Prediction));
        Assert.Equal(c.TargetTokensUnstemmed, RougeTokenizer.Tokenize(c.Target, stem: false));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void RougeL_matches(string name)
    {
        var c = Cases[name];
        Check(c.RougeL, Rouge.L(c.Target, c.Prediction), $"{name} rougeL");
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void RougeLsum_matches(string name)
    {
        var c = Cases[name];
        Check(c.RougeLsum, Rouge.LSum(c.Target, c.Prediction), $"{name} rougeLsum");
    }

    private static void Check(double[] expected, RougeScore actual, string what)
    {
        Assert.Equal(3, expected.Length);
        Assert.True(Math.Abs(expected[0] - actual.Precision) <= Tolerance, $"{what} precision: expected {expected[0]:R}, got {actual.Precision:R}");
        Assert.True(Math.Abs(expected[1] - actual.Recall) <= Tolerance, $"{what} recall: expected {expected[1]:R}, got {actual.Recall:R}");
        Assert.True(Math.Abs(expected[2] - actual.FMeasure) <= Tolerance, $"{what} F: expected {expected[2]:R}, got {actual.FMeasure:R}");
    }
}
