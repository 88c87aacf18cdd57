using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MetaLora.Prediction;

/// <summary>
/// The paper's f: a scalar-to-scalar MLP, Linear(1,H) → LayerNorm → ReLU → Linear(H,H) → LayerNorm →
/// ReLU → Linear(H,1), applied to each standardised distance separately. Float32, as PyTorch's default.
/// </summary>
public sealed class CoefficientMlp : nn.Module<Tensor, Tensor>
{
    /// <summary>
    /// Float32 tensors of width H alive per input row while a chunk is differentiated: the six stored
    /// activations (two linear, two norm, two ReLU outputs) plus the backward pass's temporaries
    /// (peak memory grew by about 16 H floats per row of chunk at H = 4000).
    /// </summary>
    private const int ActivationsPerRow = 16;

    // Field names become the parameter names in saved files; declaration order is the init order.
    private readonly Linear input;
    private readonly LayerNorm norm1;
    private readonly Linear hidden;
    private readonly LayerNorm norm2;
    private readonly Linear output;

    /// <summary>The hidden width H.</summary>
    public int Hidden { get; }

    /// <summary>Parameters initialised by TorchSharp's defaults (PyTorch's), drawn from torch's global generator.</summary>
    public CoefficientMlp(int hiddenWidth) : base(nameof(CoefficientMlp))
    {
        if (hiddenWidth < 1)
            throw new BadInputException($"the MLP's hidden width must be at least 1, got {hiddenWidth}");
        Hidden = hiddenWidth;
        input = nn.Linear(1, hiddenWidth);
        norm1 = nn.LayerNorm(hiddenWidth);
        hidden = nn.Linear(hiddenWidth, hiddenWidth);
        norm2 = nn.LayerNorm(hiddenWidth);
        output = nn.Linear(hiddenWidth, 1);
        RegisterComponents();
    }

    /// <summary>(k, 1) inputs to (k, 1) outputs.</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = nn.functional.relu(norm1.forward(input.forward(x)));
        h = nn.functional.relu(norm2.forward(hidden.forward(h)));
        return output.forward(h).MoveToOuterDisposeScope();
    }

    /// <summary>Writes the parameters in TorchSharp's format.</summary>
    public void Save(string path) => save(path);

    /// <summary>Reads parameters written by <see cref="Save"/> for an MLP of hidden width <paramref name="hiddenWidth"/>.</summary>
    public static CoefficientMlp Load(string path, int hiddenWidth)
    {
        if (!File.Exists(path))
            throw BadInputException.At(path, "file not found");
        var mlp = new CoefficientMlp(hiddenWidth);
        try
        {
            mlp.load(path);
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or EndOfStreamException or IOException or NotImplementedException)
        {
            mlp.Dispose();
            throw BadInputException.At(path, $"not the parameters of a coefficient MLP of hidden width {hiddenWidth}: {e.Message.ReplaceLineEndings(" ")}");
        }
        return mlp;
    }

    /// <summary>Rows per chunk so that differentiating one chunk needs about <paramref name="chunkBytes"/>.</summary>
    internal static int ChunkRows(int hiddenWidth, long chunkBytes) =>
        (int)Math.Clamp(chunkBytes / ((long)hiddenWidth * sizeof(float) * ActivationsPerRow), 1, int.MaxValue);

    /// <summary>f at each input, <paramref name="chunkRows"/> at a time, without recording a graph.</summary>
    internal float[] Evaluate(float[] inputs, int chunkRows)
    {
        using var noGrad = no_grad();
        using var all = tensor(inputs, [inputs.Length, 1L]);
        using var result = empty(inputs.Length, 1L);
        for (var start = 0; start < inputs.Length; start += chunkRows)
        {
            using var scope = NewDisposeScope();
            var count = Math.Min(chunkRows, inputs.Length - start);
            result.narrow(0, start, count).copy_(forward(all.narrow(0, start, count)));
        }
        return result.data<float>().ToArray();
    }

    /// <summary>
    /// Adds ∂/∂θ Σ_k upstream[k]·f(inputs[k]) to the parameters' gradients, <paramref name="chunkRows"/>
    /// inputs at a time. With upstream = ∂loss/∂f(inputs) this is the full-batch gradient of the loss
    /// (chain rule), while only one chunk's activations exist at any time.
    /// </summary>
    internal void AccumulateGradient(float[] inputs, float[] upstream, int chunkRows)
    {
        if (upstream.Length != inputs.Length)
            throw new ArgumentException($"{inputs.Length} inputs but {upstream.Length} upstream gradients", nameof(upstream));
        using var all = tensor(inputs, [inputs.Length, 1L]);
        using var gradients = tensor(upstream, [upstream.Length, 1L]);
        for (var start = 0; start < inputs.Length; start += chunkRows)
        {
            using var scope = NewDisposeScope();
            var count = Math.Min(chunkRows, inputs.Length - start);
            var y = forward(all.narrow(0, start, count));
            y.backward([gradients.narrow(0, start, count)]);
        }
    }
}
