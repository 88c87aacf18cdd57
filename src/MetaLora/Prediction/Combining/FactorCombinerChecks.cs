using MetaLora.Formats;

namespace MetaLora.Prediction.Combining;

/// <summary>
/// What the combiners that rescale or refactor A and B need of a bank: plain linear LoRA modules (every
/// tensor an A or B of a 2-D module, one rank and scaling for all, row-major weights), and the bank's
/// scaling alpha / r (alpha / √r with rsLoRA), which they fold into the factors.
/// </summary>
internal static class FactorCombinerChecks
{
    /// <summary>The bank's scaling s, after checking the bank is plain enough to fold it into the factors.</summary>
    public static double Scaling(PeftAdapter first, string combiner)
    {
        var config = first.Config;
        string? problem = null;
        if (config.HasRankPattern || config.HasAlphaPattern) problem = "has rank_pattern or alpha_pattern";
        else if (config.FanInFanOut) problem = "has fan_in_fan_out";
        else if (config.UseDora) problem = "uses DoRA";
        else if (first.Modules.Count * 2 != first.Weights.Tensors.Count) problem = "has tensors besides LoRA A and B (modules_to_save or biases)";
        else if (first.Modules.Any(m => m.A.Shape.Count != 2 || m.B.Shape.Count != 2)) problem = "has LoRA tensors that are not matrices (convolutions)";
        if (problem is not null)
            throw BadInputException.At(config.Path, $"{problem}; --combine {combiner} needs plain linear LoRA modules (use --combine paper)");
        return config.UseRsLora ? config.LoraAlpha / Math.Sqrt(config.R) : config.LoraAlpha / config.R;
    }

    /// <summary>The bank's config with rank <paramref name="rank"/> and scaling 1 (lora_alpha = r, no rsLoRA): the factors carry every weight.</summary>
    public static AdapterConfig UnitScaling(AdapterConfig config, int rank) =>
        config.With("r", rank).With("lora_alpha", rank).With("use_rslora", false);
}
