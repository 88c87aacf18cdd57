using TorchSharp;

namespace MetaLora.Model;

/// <summary>
/// Numbers handed to libtorch, held for as long as libtorch may read them.
/// <para>
/// TorchSharp turns a number passed where a <see cref="Scalar"/> is expected (and the implicit alpha
/// of <c>Tensor.add(Tensor)</c>, <c>arange</c>'s step, …) into a native scalar owned by a finalizable
/// object, reads its handle and calls libtorch; from then on nothing references the object. A garbage
/// collection triggered by any other thread during that call can run its finalizer, which frees the
/// scalar while libtorch still reads it: Infer aborted now and then with "Expected false to be true"
/// (c10::Scalar::toFloat on freed memory) or "alpha must not be a floating point number", and a freed
/// scalar whose memory was reused could silently change a value. Every scalar the tool passes is
/// therefore held: the constants here (static, so never finalized), a module's own constants in its
/// fields, and per-call values in a <c>using</c> local that outlives the call. A test reads the IL
/// and fails on any call that leaves a scalar unheld.
/// </para>
/// </summary>
internal static class TorchScalars
{
    /// <summary>The integer 1: add and sub's alpha, arange's step (an integer alpha suits every dtype).</summary>
    public static readonly Scalar One = 1.ToScalar();

    /// <summary>The integer 0.</summary>
    public static readonly Scalar Zero = 0.ToScalar();

    /// <summary>The integer 2 (squares through pow).</summary>
    public static readonly Scalar Two = 2.ToScalar();
}
