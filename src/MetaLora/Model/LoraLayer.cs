using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MetaLora.Model;

/// <summary>
/// One module's low-rank update, as PEFT's LoRA layer computes it: Δy = B(A(dropout(x))) · scaling with
/// A (r × in), B (out × r) and scaling = alpha / r (alpha / √r with rsLoRA). Deliberately not an
/// nn.Module: it is attached to an <see cref="AdaptableLinear"/> without joining the base model's
/// state dict, so the base keeps Hugging Face's key names and adapters can be swapped freely.
/// </summary>
internal sealed class LoraLayer : IDisposable
{
    internal LoraLayer(Parameter a, Parameter b, double scaling, double dropout)
    {
        if (a.dim() != 2 || b.dim() != 2 || a.shape[0] != b.shape[1])
            throw new ArgumentException($"LoRA A {Shape(a)} and B {Shape(b)} do not make a rank-r pair");
        A = a;
        B = b;
        Scaling = scaling;
        _scaling = scaling.ToScalar();
        Dropout = dropout;
    }

    private readonly Scalar _scaling;

    /// <summary>lora_A.weight, r × in.</summary>
    public Parameter A { get; }

    /// <summary>lora_B.weight, out × r.</summary>
    public Parameter B { get; }

    public long Rank => A.shape[0];
    public long InFeatures => A.shape[1];
    public long OutFeatures => B.shape[0];
    public double Scaling { get; }

    /// <summary>Dropout probability on the LoRA branch's input, applied only in training mode.</summary>
    public double Dropout { get; }

    /// <summary>Whether the update has been added into the base weight (then the branch is skipped).</summary>
    public bool Merged { get; internal set; }

    /// <summary>
    /// A fresh layer as PEFT initialises one: A from nn.Linear's default (Kaiming-uniform with a = √5,
    /// i.e. U(−1/√in, 1/√in)), B = 0, so a new adapter starts as the identity update.
    /// </summary>
    public static LoraLayer Create(long inFeatures, long outFeatures, int rank, double scaling, double dropout, ScalarType dtype, Generator generator)
    {
        using var noGrad = no_grad();
        var bound = 1.0 / Math.Sqrt(inFeatures);
        var a = nn.Parameter(empty([rank, inFeatures], dtype).uniform_(-bound, bound, generator));
        var b = nn.Parameter(zeros([outFeatures, rank], dtype));
        return new LoraLayer(a, b, scaling, dropout);
    }

    /// <summary>This layer on <paramref name="device"/> (itself when it is already there; otherwise a moved copy, and this one is disposed).</summary>
    internal LoraLayer On(Device device)
    {
        if (A.device_type == device.type && A.device_index == device.index) return this;
        using var noGrad = no_grad();
        var moved = new LoraLayer(nn.Parameter(A.to(device)), nn.Parameter(B.to(device)), Scaling, Dropout);
        Dispose();
        return moved;
    }

    /// <summary>Δy for input x (…, in), in x's dtype.</summary>
    public Tensor Forward(Tensor x, bool training)
    {
        using var scope = NewDisposeScope();
        var h = x.to_type(A.dtype);
        if (training && Dropout > 0) h = nn.functional.dropout(h, Dropout, training: true);
        var delta = nn.functional.linear(nn.functional.linear(h, A), B).mul(_scaling);
        return delta.to_type(x.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>B·A·scaling, the update to the base weight (out × in), in <paramref name="dtype"/>.</summary>
    public Tensor Delta(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return B.to_type(ScalarType.Float32).matmul(A.to_type(ScalarType.Float32)).mul(_scaling).to_type(dtype).MoveToOuterDisposeScope();
    }

    private static string Shape(Tensor t) => $"[{string.Join(", ", t.shape)}]";

    public void Dispose()
    {
        A.Dispose();
        B.Dispose();
        _scaling.Dispose();
    }
}
