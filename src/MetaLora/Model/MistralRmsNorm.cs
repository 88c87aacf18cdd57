using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MetaLora.Model;

/// <summary>
/// Root-mean-square layer norm: x / √(mean(x²) + ε) · weight, computed in float32 and cast back to the
/// input's dtype before the weight is applied, as Hugging Face's MistralRMSNorm does (the order matters
/// for bit-level agreement in half precision).
/// </summary>
internal sealed class MistralRmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Scalar _eps;

    public MistralRmsNorm(long size, double eps, ScalarType dtype) : base(nameof(MistralRmsNorm))
    {
        _eps = eps.ToScalar();
        weight = nn.Parameter(ones([size], dtype));
        RegisterComponents();
    }

    public Parameter Weight => weight;

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var isFloat32 = x.dtype == ScalarType.Float32;
        var h = isFloat32 ? x : x.to_type(ScalarType.Float32);
        var variance = h.pow(TorchScalars.Two).mean([-1L], keepdim: true);
        h = h.mul(variance.add(_eps, TorchScalars.One).rsqrt());
        return weight.mul(isFloat32 ? h : h.to_type(x.dtype)).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _eps.Dispose();
        base.Dispose(disposing);
    }
}
