using MetaLora.Prediction.Coefficients;

namespace MetaLora.Tests.Prediction;

public sealed class CoefficientModelTests
{
    [Fact]
    public void NamesAreThePapers()
    {
        Assert.Equal("base_version", CoefficientModel.BaseVersion.Name());
        Assert.Equal("normalized_version", CoefficientModel.NormalizedVersion.Name());
        Assert.Equal("mlp_version", CoefficientModel.MlpVersion.Name());
    }

    [Theory]
    [InlineData("base_version", new[] { CoefficientModel.BaseVersion })]
    [InlineData("MLP_Version", new[] { CoefficientModel.MlpVersion })]
    [InlineData("all", new[] { CoefficientModel.BaseVersion, CoefficientModel.NormalizedVersion, CoefficientModel.MlpVersion })]
    [InlineData("ALL", new[] { CoefficientModel.BaseVersion, CoefficientModel.NormalizedVersion, CoefficientModel.MlpVersion })]
    [InlineData("mlp_version, base_version", new[] { CoefficientModel.BaseVersion, CoefficientModel.MlpVersion })]
    [InlineData("normalized_version,normalized_version", new[] { CoefficientModel.NormalizedVersion })]
    [InlineData("mlp_version,all", new[] { CoefficientModel.BaseVersion, CoefficientModel.NormalizedVersion, CoefficientModel.MlpVersion })]
    public void ParsesNamesAndListsInCanonicalOrder(string text, CoefficientModel[] expected) =>
        Assert.Equal(expected, CoefficientModelNames.Parse(text));

    [Theory]
    [InlineData("mlp")]
    [InlineData("base_version,")]
    [InlineData("0")]
    [InlineData("base-version")]
    public void UnknownNamesListTheValidOnes(string text)
    {
        var error = Assert.Throws<BadInputException>(() => CoefficientModelNames.Parse(text));
        Assert.Contains("base_version, normalized_version, mlp_version, all", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}
