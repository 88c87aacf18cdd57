using static TorchSharp.torch;
using MetaLora.Repro.CodeIdentity;

namespace MetaLora.Prediction.Coefficients.Mlp.Sweep;

/// <summary>
/// f's parameters in float64 for the sweep engine, in one flat array (Adam runs over it in one pass):
/// w1, b1, γ1, β1 (H each), W2 (H x H, column by column: column k holds the weights from hidden unit k),
/// b2, γ2, β2, w3 (H each), b3. Columns of W2 are what the sweep adds and removes, so they are contiguous.
/// </summary>
[StageVariant(MlpEngineNames.Parameter, MlpEngineNames.Sweep)]
internal sealed class SweepMlp
{
    /// <summary>Columns of W2 copied into a module at a time.</summary>
    private const int ColumnBlock = 256;

    public SweepMlp(int hidden)
    {
        if (hidden < 1) throw new ArgumentOutOfRangeException(nameof(hidden), hidden, "the hidden width must be at least 1");
        var count = (long)hidden * hidden + 8L * hidden + 1;
        if (count > Array.MaxLength)
            throw new BadInputException($"mlp_version: hidden width {hidden} is too large for the sweep engine (H² + 8H + 1 parameters must fit one array)");
        Hidden = hidden;
        Values = new double[count];
    }

    public int Hidden { get; }

    /// <summary>All parameters, laid out as the offsets below say.</summary>
    public double[] Values { get; }

    public int W1 => 0;
    public int B1 => Hidden;
    public int G1 => 2 * Hidden;
    public int Be1 => 3 * Hidden;
    public int W2 => 4 * Hidden;
    public int B2 => 4 * Hidden + Hidden * Hidden;
    public int G2 => B2 + Hidden;
    public int Be2 => G2 + Hidden;
    public int W3 => Be2 + Hidden;
    public int B3 => W3 + Hidden;

    /// <summary>A vector parameter (H values) at <paramref name="offset"/>.</summary>
    public ReadOnlySpan<double> Vector(int offset) => Values.AsSpan(offset, Hidden);

    /// <summary>Column k of W2: the weights from hidden unit k to the second layer's H units.</summary>
    public ReadOnlySpan<double> Column(int k) => Values.AsSpan(W2 + k * Hidden, Hidden);

    /// <summary>f's parameters, converted to float64 (exactly, from float32).</summary>
    public static SweepMlp FromModule(CoefficientMlp mlp)
    {
        ArgumentNullException.ThrowIfNull(mlp);
        var f = new SweepMlp(mlp.Hidden);
        using var noGrad = no_grad();
        f.Read(mlp.InputLayer.weight!, f.W1);
        f.Read(mlp.InputLayer.bias!, f.B1);
        f.Read(mlp.FirstNorm.weight!, f.G1);
        f.Read(mlp.FirstNorm.bias!, f.Be1);
        // Torch stores W2 by rows (output unit, then input unit); its transpose's rows are our columns.
        using (var transposed = mlp.HiddenLayer.weight!.t())
            f.Read(transposed, f.W2);
        f.Read(mlp.HiddenLayer.bias!, f.B2);
        f.Read(mlp.SecondNorm.weight!, f.G2);
        f.Read(mlp.SecondNorm.bias!, f.Be2);
        f.Read(mlp.OutputLayer.weight!, f.W3);
        f.Read(mlp.OutputLayer.bias!, f.B3);
        return f;
    }

    /// <summary>These parameters as a float64 module (the saved form).</summary>
    public CoefficientMlp ToModule()
    {
        var mlp = new CoefficientMlp(Hidden, ScalarType.Float64);
        try
        {
            using var noGrad = no_grad();
            Write(mlp.InputLayer.weight!, W1);
            Write(mlp.InputLayer.bias!, B1);
            Write(mlp.FirstNorm.weight!, G1);
            Write(mlp.FirstNorm.bias!, Be1);
            // W2 in blocks of columns, so no second copy of it exists at once.
            using (var transposed = mlp.HiddenLayer.weight!.t())
                for (var k = 0; k < Hidden; k += ColumnBlock)
                {
                    using var block = transposed.narrow(0, k, Math.Min(ColumnBlock, Hidden - k));
                    Write(block, W2 + k * Hidden);
                }
            Write(mlp.HiddenLayer.bias!, B2);
            Write(mlp.SecondNorm.weight!, G2);
            Write(mlp.SecondNorm.bias!, Be2);
            Write(mlp.OutputLayer.weight!, W3);
            Write(mlp.OutputLayer.bias!, B3);
            return mlp;
        }
        catch
        {
            mlp.Dispose();
            throw;
        }
    }

    /// <summary>f at each input (any order, finite), computed by the sweep with up to <paramref name="threads"/> threads.</summary>
    public double[] Evaluate(ReadOnlySpan<double> inputs, int threads)
    {
        var sorted = new SweepInputs(inputs);
        var pass = new SweepPass(this, sorted, threads, training: false);
        pass.Forward();
        return sorted.Unsort(pass.Outputs);
    }

    private void Read(Tensor tensor, int offset)
    {
        using var values = tensor.contiguous().to_type(ScalarType.Float64).flatten();
        values.data<double>().CopyTo(Values.AsSpan(offset, (int)values.numel()));
    }

    private void Write(Tensor tensor, int offset)
    {
        var count = (int)tensor.numel();
        using var values = from_array(Values[offset..(offset + count)]).reshape(tensor.shape);
        tensor.copy_(values);
    }
}
