using MetaLora.Prediction.Coefficients.Mlp;

namespace MetaLora.Prediction.Coefficients;

/// <summary>What training produced: the coefficients for the whole bank, the loss log, the split and f.</summary>
public sealed class MlpTraining(double[,] coefficients, IReadOnlyList<double> losses, TaskSplit split, CoefficientMlp mlp, MlpEngine engine) : IDisposable
{
    /// <summary>C = softmin(f(Z)) over the whole bank, N x N, with C[i][i] = 0.</summary>
    public double[,] Coefficients { get; } = coefficients;

    /// <summary>Losses[t] is the loss at the parameters step t started from; the last entry is after the last step.</summary>
    public IReadOnlyList<double> Losses { get; } = losses;

    public TaskSplit Split { get; } = split;

    /// <summary>The trained f (owned: disposed with this object): float32 from the dense engine, float64 from the sweep.</summary>
    public CoefficientMlp Mlp { get; } = mlp;

    /// <summary>The engine that trained f, which also applies it in <see cref="Row"/>.</summary>
    public MlpEngine Engine { get; } = engine;

    /// <inheritdoc cref="MlpVersion.Row"/>
    public double[] Row(ReadOnlySpan<double> distances, int self = -1) => MlpVersion.Row(Mlp, distances, self, Engine);

    public void Dispose() => Mlp.Dispose();
}
