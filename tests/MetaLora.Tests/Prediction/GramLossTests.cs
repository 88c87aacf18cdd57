using static TorchSharp.torch;
using MetaLora.Prediction.Coefficients;
using MetaLora.Prediction.Coefficients.Mlp;
using MetaLora.Prediction.Coefficients.Mlp.Dense;
using MetaLora.Tests.Distances;

namespace MetaLora.Tests.Prediction;

/// <summary>The loss from G = A Aᵀ alone equals the MSE computed from the adapters A, as do its gradients.</summary>
[Collection(TorchState.Name)]
public sealed class GramLossTests
{
    private const int Tasks = 10;
    private const int Parameters = 300;

    [Fact]
    public void LossAndGradientEqualTheDirectMse()
    {
        using var scope = NewDisposeScope();
        var adapters = from_array(SyntheticBank.Random(Tasks, Parameters, seed: 1));
        var gram = adapters.matmul(adapters.t());
        var scores = from_array(SyntheticBank.Random(Tasks, Tasks, seed: 2)).requires_grad_();

        var direct = Direct(scores, adapters);
        direct.backward();
        var directGradient = scores.grad!.clone();
        scores.grad!.zero_();
        var viaGram = GramLoss.Loss(scores, gram, Parameters);
        viaGram.backward();

        Close.Equal(direct.item<double>(), viaGram.item<double>(), 1e-6, "loss");
        AssertClose(directGradient, scores.grad!, 1e-6, "∂loss/∂scores");
    }

    [Fact]
    public void MlpParameterGradientsEqualTheDirectMse()
    {
        using var scope = NewDisposeScope();
        var adapters = from_array(SyntheticBank.Random(Tasks, Parameters, seed: 3));
        var gram = adapters.matmul(adapters.t());
        var z = from_array(SyntheticBank.Random(Tasks, Tasks, seed: 4)).to_type(ScalarType.Float32).reshape(-1, 1);
        manual_seed(5);
        using var mlp = new CoefficientMlp(16);

        Tensor Scores() => DenseMlp.Forward(mlp, z).reshape(Tasks, Tasks).to_type(ScalarType.Float64);
        var direct = Direct(Scores(), adapters);
        direct.backward();
        var directGradients = mlp.parameters().Select(p => p.grad!.clone()).ToArray();
        mlp.zero_grad();
        var viaGram = GramLoss.Loss(Scores(), gram, Parameters);
        viaGram.backward();

        Close.Equal(direct.item<double>(), viaGram.item<double>(), 1e-6, "loss");
        var k = 0;
        foreach (var (name, parameter) in mlp.named_parameters())
        {
            var expected = directGradients[k++];
            // softmin is unchanged by one constant added to every score, so the loss does not depend on
            // the output bias: its gradient is zero up to rounding, on both paths.
            if (name == "output.bias")
            {
                var scale = directGradients.Max(g => g.abs().max().item<float>());
                Assert.True(expected.abs().max().item<float>() <= 1e-6 * scale && parameter.grad!.abs().max().item<float>() <= 1e-6 * scale,
                    $"∂loss/∂{name}: {expected.item<float>():R} and {parameter.grad!.item<float>():R}, other gradients up to {scale:E2}");
                continue;
            }
            AssertClose(expected, parameter.grad!, 1e-5, $"∂loss/∂{name}");
        }
    }

    [Fact]
    public void CoefficientsAreTheSoftminWithoutTheDiagonal()
    {
        using var scope = NewDisposeScope();
        var s = SyntheticBank.Random(Tasks, Tasks, seed: 6);
        var expected = Softmin.Rows(s);
        var actual = GramLoss.Coefficients(from_array(s)).data<double>().ToArray();
        for (var i = 0; i < Tasks; i++)
            for (var j = 0; j < Tasks; j++)
                Close.Equal(expected[i, j], actual[i * Tasks + j], 1e-14, $"C[{i},{j}]", 1e-17);
    }

    /// <summary>MSE(C A, A) over all n x P entries, straight from the definition.</summary>
    private static Tensor Direct(Tensor scores, Tensor adapters) =>
        (GramLoss.Coefficients(scores).matmul(adapters) - adapters).pow(2).mean();

    /// <summary>Elementwise within <paramref name="relative"/> of the largest magnitude.</summary>
    internal static void AssertClose(Tensor expected, Tensor actual, double relative, string what)
    {
        var e = expected.to_type(ScalarType.Float64).data<double>().ToArray();
        var a = actual.to_type(ScalarType.Float64).data<double>().ToArray();
        Assert.Equal(e.Length, a.Length);
        var scale = e.Max(Math.Abs);
        Assert.True(scale > 0, $"{what}: all zero");
        for (var k = 0; k < e.Length; k++)
            Assert.True(Math.Abs(e[k] - a[k]) <= relative * scale, $"{what}[{k}]: expected {e[k]:R}, got {a[k]:R} (scale {scale:E2})");
    }
}
