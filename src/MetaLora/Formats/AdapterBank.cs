namespace MetaLora.Formats;

/// <summary>Checks that a bank's adapters can be combined element by element.</summary>
public static class AdapterBank
{
    /// <summary>
    /// Opens every adapter folder (configs and safetensors headers only, no tensor data) and checks
    /// that each has the first one's tensor names, shapes and dtypes, and the config fields that
    /// scale or lay out the update (r, lora_alpha, use_rslora, fan_in_fan_out, rank_pattern,
    /// alpha_pattern). A mismatch names both files, the tensor or field, and both values.
    /// </summary>
    /// <returns>The opened adapters, in the given order.</returns>
    public static IReadOnlyList<PeftAdapter> CheckConsistent(IReadOnlyList<string> adapterFolders)
    {
        ArgumentNullException.ThrowIfNull(adapterFolders);
        if (adapterFolders.Count == 0) throw new ArgumentException("no adapter folders given", nameof(adapterFolders));

        var adapters = adapterFolders.Select(PeftAdapter.Open).ToArray();
        var first = adapters[0];
        foreach (var other in adapters.Skip(1))
        {
            CompareTensors(first, other);
            CompareConfigs(first, other);
        }
        return adapters;
    }

    private static void CompareTensors(PeftAdapter first, PeftAdapter other)
    {
        foreach (var t in first.Weights.Tensors)
        {
            if (!other.Weights.TryGet(t.Name, out var o))
                throw BadInputException.At(other.WeightsPath, $"tensor {Safetensors.Quote(t.Name)} is missing but {first.WeightsPath} has it");
            if (!t.Shape.SequenceEqual(o.Shape))
                throw BadInputException.At(other.WeightsPath,
                    $"tensor {Safetensors.Quote(t.Name)} has shape {Safetensors.FormatShape(o.Shape)} but {Safetensors.FormatShape(t.Shape)} in {first.WeightsPath}");
            if (t.DType != o.DType)
                throw BadInputException.At(other.WeightsPath,
                    $"tensor {Safetensors.Quote(t.Name)} is {o.DType.HeaderName()} but {t.DType.HeaderName()} in {first.WeightsPath}");
        }
        foreach (var o in other.Weights.Tensors)
            if (!first.Weights.TryGet(o.Name, out _))
                throw BadInputException.At(other.WeightsPath, $"tensor {Safetensors.Quote(o.Name)} is not in {first.WeightsPath}");
    }

    private static void CompareConfigs(PeftAdapter first, PeftAdapter other)
    {
        void Same<T>(string field, T a, T b, Func<T, string> show)
        {
            var (shownA, shownB) = (show(a), show(b));
            if (shownA != shownB)
                throw BadInputException.At(other.ConfigPath, $"\"{field}\" is {shownB} but {shownA} in {first.ConfigPath}");
        }
        string Number(double x) => x.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        string Map<T>(IReadOnlyDictionary<string, T> map) =>
            "{" + string.Join(", ", map.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}: {kv.Value}")) + "}";

        Same("r", first.Config.R, other.Config.R, r => r.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Same("lora_alpha", first.Config.LoraAlpha, other.Config.LoraAlpha, Number);
        Same("use_rslora", first.Config.UseRsLora, other.Config.UseRsLora, b => b ? "true" : "false");
        Same("fan_in_fan_out", first.Config.FanInFanOut, other.Config.FanInFanOut, b => b ? "true" : "false");
        Same("rank_pattern", first.Config.RankPattern, other.Config.RankPattern, Map);
        Same("alpha_pattern", first.Config.AlphaPattern, other.Config.AlphaPattern, Map);
    }
}
