using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MetaLora.Prediction.Coefficients.Mlp;

/// <summary>
/// The parameters of the paper's f, a scalar-to-scalar MLP Linear(1,H) → LayerNorm → ReLU → Linear(H,H)
/// → LayerNorm → ReLU → Linear(H,1), applied to each standardised distance separately: how f is
/// initialised (PyTorch's defaults), saved and loaded. How f is evaluated and differentiated is the
/// engines' business (<see cref="Sweep.SweepMlp"/>, <see cref="Dense.DenseMlp"/>), so this type holds no forward pass.
/// </summary>
public sealed class CoefficientMlp : nn.Module
{
    /// <summary>LayerNorm's ε (PyTorch's default), inside the square root of the variance; both engines use it.</summary>
    public const double NormEpsilon = 1e-5;

    // Field names become the parameter names in saved files; declaration order is the init order.
    private readonly Linear input;
    private readonly LayerNorm norm1;
    private readonly Linear hidden;
    private readonly LayerNorm norm2;
    private readonly Linear output;

    /// <summary>The hidden width H.</summary>
    public int Hidden { get; }

    /// <summary>Float32 (PyTorch's default, the dense engine) or Float64 (the sweep engine's trained f).</summary>
    public ScalarType DType { get; }

    /// <summary>
    /// Parameters initialised by TorchSharp's defaults (PyTorch's), drawn from torch's global generator
    /// in float32 and then converted to <paramref name="dtype"/> (exactly), so both precisions start
    /// from the same f.
    /// </summary>
    public CoefficientMlp(int hiddenWidth, ScalarType dtype = ScalarType.Float32) : base(nameof(CoefficientMlp))
    {
        if (hiddenWidth < 1)
            throw new BadInputException($"the MLP's hidden width must be at least 1, got {hiddenWidth}");
        if (dtype is not (ScalarType.Float32 or ScalarType.Float64))
            throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "f is float32 or float64");
        Hidden = hiddenWidth;
        DType = dtype;
        input = nn.Linear(1, hiddenWidth);
        norm1 = nn.LayerNorm(hiddenWidth, NormEpsilon);
        hidden = nn.Linear(hiddenWidth, hiddenWidth);
        norm2 = nn.LayerNorm(hiddenWidth, NormEpsilon);
        output = nn.Linear(hiddenWidth, 1);
        RegisterComponents();
        if (dtype != ScalarType.Float32)
            this.to(dtype);
    }

    internal Linear InputLayer => input;
    internal LayerNorm FirstNorm => norm1;
    internal Linear HiddenLayer => hidden;
    internal LayerNorm SecondNorm => norm2;
    internal Linear OutputLayer => output;

    /// <summary>Writes the parameters in TorchSharp's format, in <see cref="DType"/>.</summary>
    public void Save(string path) => save(path);

    /// <summary>
    /// Reads parameters written by <see cref="Save"/> for an MLP of hidden width <paramref name="hiddenWidth"/>
    /// stored in <paramref name="dtype"/>.
    /// </summary>
    public static CoefficientMlp Load(string path, int hiddenWidth, ScalarType dtype = ScalarType.Float32)
    {
        if (!File.Exists(path))
            throw BadInputException.At(path, "file not found");
        var mlp = new CoefficientMlp(hiddenWidth, dtype);
        try
        {
            mlp.load(path);
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or EndOfStreamException or IOException or NotImplementedException)
        {
            mlp.Dispose();
            throw BadInputException.At(path, $"not the parameters of a coefficient MLP of hidden width {hiddenWidth} in {DTypeName(dtype)}: {e.Message.ReplaceLineEndings(" ")}");
        }
        return mlp;
    }

    /// <summary>"float32" or "float64", as the saved form's description records it.</summary>
    public static string DTypeName(ScalarType dtype) => dtype == ScalarType.Float64 ? "float64" : "float32";

    /// <summary>The inverse of <see cref="DTypeName"/>; null for anything else.</summary>
    public static ScalarType? ParseDType(string? name) => name switch
    {
        "float32" => ScalarType.Float32,
        "float64" => ScalarType.Float64,
        _ => null,
    };
}
