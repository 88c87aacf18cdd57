using static TorchSharp.torch;
using MetaLora.Repro.CodeIdentity;

namespace MetaLora.Prediction.Coefficients.Mlp.Dense;

/// <summary>
/// The dense engine: f as TorchSharp layers evaluated on every input, chunk by chunk, differentiated by
/// autograd and stepped by torch's Adam; float32 as PyTorch's default (float64 on request, as the
/// reference the sweep engine is tested against). O(nH²) per step.
/// </summary>
[StageVariant(MlpEngineNames.Parameter, MlpEngineNames.Dense)]
internal sealed class DenseMlp : IMlpTrainer
{
    /// <summary>
    /// Tensors of width H alive per input row while a chunk is differentiated: the six stored activations
    /// (two linear, two norm, two ReLU outputs) plus the backward pass's temporaries (peak memory grew by
    /// about 16 H floats per row of chunk at H = 4000).
    /// </summary>
    private const int ActivationsPerRow = 16;

    private readonly double[] _inputs;
    private readonly int _chunk;
    private readonly optim.Optimizer _adam;
    private CoefficientMlp? _mlp;

    /// <summary>Draws the initial f from torch's generator (seeded by the caller) for these training inputs.</summary>
    public DenseMlp(double[] inputs, MlpOptions options)
    {
        _inputs = inputs;
        _mlp = new CoefficientMlp(options.Hidden, options.DenseInFloat64 ? ScalarType.Float64 : ScalarType.Float32);
        _chunk = ChunkRows(options.Hidden, options.ChunkBytes, _mlp.DType);
        _adam = optim.Adam(_mlp.parameters(), options.LearningRate);
    }

    private CoefficientMlp Mlp => _mlp ?? throw new ObjectDisposedException(nameof(DenseMlp));

    public double[] Evaluate() => Evaluate(Mlp, _inputs, _chunk);

    public void Step(double[] upstream)
    {
        _adam.zero_grad();
        AccumulateGradient(Mlp, _inputs, upstream, _chunk);
        _adam.step();
    }

    public void Save(BinaryWriter writer)
    {
        Mlp.save(writer);
        ((TorchSharp.Modules.OptimizerHelper)_adam).save_state_dict(writer);
    }

    public void Resume(BinaryReader reader)
    {
        Mlp.load(reader);
        ((TorchSharp.Modules.OptimizerHelper)_adam).load_state_dict(reader);
    }

    public double[] Apply(double[] inputs) => Evaluate(Mlp, inputs, _chunk);

    public CoefficientMlp TakeResult()
    {
        var mlp = Mlp;
        _mlp = null;
        return mlp;
    }

    public void Dispose()
    {
        _adam.Dispose();
        _mlp?.Dispose();
        _mlp = null;
    }

    /// <summary>(k, 1) inputs to (k, 1) outputs, in f's dtype.</summary>
    public static Tensor Forward(CoefficientMlp mlp, Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = nn.functional.relu(mlp.FirstNorm.forward(mlp.InputLayer.forward(x)));
        h = nn.functional.relu(mlp.SecondNorm.forward(mlp.HiddenLayer.forward(h)));
        return mlp.OutputLayer.forward(h).MoveToOuterDisposeScope();
    }

    /// <summary>Rows per chunk so that differentiating one chunk needs about <paramref name="chunkBytes"/>.</summary>
    public static int ChunkRows(int hiddenWidth, long chunkBytes, ScalarType dtype = ScalarType.Float32) =>
        (int)Math.Clamp(chunkBytes / ((long)hiddenWidth * (dtype == ScalarType.Float64 ? sizeof(double) : sizeof(float)) * ActivationsPerRow), 1, int.MaxValue);

    /// <summary>
    /// f at each input, <paramref name="chunkRows"/> at a time, without recording a graph. The inputs are
    /// converted to f's dtype, the outputs returned as doubles (exactly).
    /// </summary>
    public static double[] Evaluate(CoefficientMlp mlp, double[] inputs, int chunkRows)
    {
        using var noGrad = no_grad();
        using var all = tensor(inputs, [inputs.Length, 1L]).to_type(mlp.DType);
        using var result = empty([inputs.Length, 1L], mlp.DType);
        for (var start = 0; start < inputs.Length; start += chunkRows)
        {
            using var scope = NewDisposeScope();
            var count = Math.Min(chunkRows, inputs.Length - start);
            result.narrow(0, start, count).copy_(Forward(mlp, all.narrow(0, start, count)));
        }
        using var doubles = result.to_type(ScalarType.Float64);
        return doubles.data<double>().ToArray();
    }

    /// <summary>
    /// Adds ∂/∂θ Σ_k upstream[k]·f(inputs[k]) to the parameters' gradients, <paramref name="chunkRows"/>
    /// inputs at a time, so only one chunk's activations exist at any time. The upstream gradient is
    /// converted to f's dtype.
    /// </summary>
    public static void AccumulateGradient(CoefficientMlp mlp, double[] inputs, double[] upstream, int chunkRows)
    {
        if (upstream.Length != inputs.Length)
            throw new ArgumentException($"{inputs.Length} inputs but {upstream.Length} upstream gradients", nameof(upstream));
        using var all = tensor(inputs, [inputs.Length, 1L]).to_type(mlp.DType);
        using var gradients = tensor(upstream, [upstream.Length, 1L]).to_type(mlp.DType);
        for (var start = 0; start < inputs.Length; start += chunkRows)
        {
            using var scope = NewDisposeScope();
            var count = Math.Min(chunkRows, inputs.Length - start);
            var y = Forward(mlp, all.narrow(0, start, count));
            y.backward([gradients.narrow(0, start, count)]);
        }
    }
}
