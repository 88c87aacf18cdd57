using MetaLora.Formats;

namespace MetaLora.Tests.Support;

/// <summary>Small PEFT adapter folders with seeded random weights, and their values for reference sums.</summary>
internal static class SyntheticAdapters
{
    /// <summary>Writes <paramref name="count"/> adapters (q_proj and v_proj LoRA on <paramref name="layers"/> layers) and returns their tensors as doubles.</summary>
    public static List<Dictionary<string, double[]>> Write(string root, int count, TensorDType dtype = TensorDType.F32,
        int layers = 2, int rank = 2, int hidden = 6, int kv = 4, int seed = 7, IReadOnlyList<string>? names = null)
    {
        var specs = new List<TensorSpec>();
        for (var l = 0; l < layers; l++)
            foreach (var (module, outDim) in new[] { ("q_proj", hidden), ("v_proj", kv) })
            {
                var prefix = $"base_model.model.model.layers.{l}.self_attn.{module}";
                specs.Add(new TensorSpec($"{prefix}.lora_A.weight", dtype, [rank, hidden]));
                specs.Add(new TensorSpec($"{prefix}.lora_B.weight", dtype, [outDim, rank]));
            }
        var random = new Random(seed);
        var all = new List<Dictionary<string, double[]>>();
        for (var a = 0; a < count; a++)
        {
            var folder = Path.Combine(root, names?[a] ?? $"task{a:000}");
            var values = specs.ToDictionary(s => s.Name, s => Enumerable.Range(0, (int)s.ElementCount)
                .Select(_ => (double)RoundTrip(dtype, (float)(random.NextDouble() * 2 - 1))).ToArray());
            var config = AdapterConfig.Create(PeftAdapter.ConfigPathIn(folder), rank, 2 * rank, ["q_proj", "v_proj"], "tiny-base");
            PeftAdapter.Write(folder, config, specs, (spec, sink) => sink.WriteFloat32(values[spec.Name].Select(v => (float)v).ToArray()));
            all.Add(values);
        }
        return all;
    }

    /// <summary>The value a float becomes once stored in <paramref name="dtype"/>.</summary>
    public static float RoundTrip(TensorDType dtype, float value) => dtype switch
    {
        TensorDType.F16 => HalfPrecision.FromHalfBits(HalfPrecision.ToHalfBits(value)),
        TensorDType.BF16 => HalfPrecision.FromBFloat16Bits(HalfPrecision.ToBFloat16Bits(value)),
        _ => value,
    };
}
