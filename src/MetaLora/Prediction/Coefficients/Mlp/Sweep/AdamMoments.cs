using System.Numerics;
using MetaLora.Repro.CodeIdentity;

namespace MetaLora.Prediction.Coefficients.Mlp.Sweep;

/// <summary>
/// Adam in float64 over one flat parameter array, as torch.optim.Adam with its defaults (β1 = 0.9,
/// β2 = 0.999, ε = 1e-8, no weight decay, no AMSGrad): m ← β1 m + (1 − β1) g, v ← β2 v + (1 − β2) g²,
/// θ ← θ − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε). Elementwise, so the work is split over
/// threads without changing any bit.
/// </summary>
[StageVariant(MlpEngineNames.Parameter, MlpEngineNames.Sweep)]
internal sealed class AdamMoments(int count, double learningRate)
{
    private const double Beta1 = 0.9;
    private const double Beta2 = 0.999;
    private const double Epsilon = 1e-8;

    /// <summary>Elements per parallel block.</summary>
    private const int Block = 1 << 16;

    /// <summary>Steps taken so far (t).</summary>
    public int Steps { get; set; }

    public double[] First { get; } = new double[count];

    public double[] Second { get; } = new double[count];

    public void Step(double[] parameters, double[] gradient, int threads)
    {
        if (parameters.Length != First.Length || gradient.Length != First.Length)
            throw new ArgumentException($"Adam keeps {First.Length} moments, got {parameters.Length} parameters and {gradient.Length} gradients");
        Steps++;
        var stepSize = learningRate / (1 - Math.Pow(Beta1, Steps));
        var correction = Math.Sqrt(1 - Math.Pow(Beta2, Steps));
        const double keep1 = 1 - Beta1, keep2 = 1 - Beta2;
        var blocks = (First.Length + Block - 1) / Block;
        Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, b =>
        {
            var end = Math.Min(First.Length, (b + 1) * Block);
            var i = b * Block;
            // Vectors, then single elements: each lane does the same IEEE operations (square root and
            // division are correctly rounded), so the bits do not depend on the vector width.
            Vector<double> b1 = new(Beta1), b2 = new(Beta2), k1 = new(keep1), k2 = new(keep2), size = new(stepSize), c = new(correction), eps = new(Epsilon);
            for (; i + Vector<double>.Count <= end; i += Vector<double>.Count)
            {
                var g = new Vector<double>(gradient, i);
                var m = b1 * new Vector<double>(First, i) + k1 * g;
                var v = b2 * new Vector<double>(Second, i) + k2 * (g * g);
                m.CopyTo(First, i);
                v.CopyTo(Second, i);
                (new Vector<double>(parameters, i) - size * (m / (Vector.SquareRoot(v) / c + eps))).CopyTo(parameters, i);
            }
            for (; i < end; i++)
            {
                var g = gradient[i];
                var m = First[i] = Beta1 * First[i] + keep1 * g;
                var v = Second[i] = Beta2 * Second[i] + keep2 * (g * g);
                parameters[i] -= stepSize * (m / (Math.Sqrt(v) / correction + Epsilon));
            }
        });
    }
}
