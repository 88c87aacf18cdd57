using MetaLora.Formats;
using static TorchSharp.torch;

namespace MetaLora.Model;

/// <summary>
/// The floating-point types a checkpoint may hold, by their Hugging Face names ("float32", "float16",
/// "bfloat16", as in <c>torch_dtype</c>) and their safetensors names (F32, F16, BF16).
/// </summary>
internal static class ModelDType
{
    public const string Valid = "float32, float16, bfloat16";

    /// <summary>Parses a Hugging Face or safetensors name; "fp32"/"fp16"/"bf16" are accepted too.</summary>
    public static bool TryParse(string name, out ScalarType dtype)
    {
        ScalarType? found = name.ToLowerInvariant() switch
        {
            "float32" or "float" or "fp32" or "f32" => ScalarType.Float32,
            "float16" or "half" or "fp16" or "f16" => ScalarType.Float16,
            "bfloat16" or "bf16" => ScalarType.BFloat16,
            _ => null,
        };
        dtype = found ?? default;
        return found is not null;
    }

    public static ScalarType Parse(string name) =>
        TryParse(name, out var dtype) ? dtype : throw new BadInputException($"unknown dtype \"{name}\" (valid: {Valid})");

    public static string Name(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.Float16 => "float16",
        ScalarType.BFloat16 => "bfloat16",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a checkpoint dtype"),
    };

    public static TensorDType ToSafetensors(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => TensorDType.F32,
        ScalarType.Float16 => TensorDType.F16,
        ScalarType.BFloat16 => TensorDType.BF16,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a checkpoint dtype"),
    };

    /// <summary>The torch type of a safetensors F32/F16/BF16 tensor; null for any other type.</summary>
    public static ScalarType? FromSafetensors(TensorDType dtype) => dtype switch
    {
        TensorDType.F32 => ScalarType.Float32,
        TensorDType.F16 => ScalarType.Float16,
        TensorDType.BF16 => ScalarType.BFloat16,
        _ => null,
    };
}
