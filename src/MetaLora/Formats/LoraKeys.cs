namespace MetaLora.Formats;

/// <summary>
/// PEFT's saved LoRA key names: <c>&lt;module&gt;.lora_A.weight</c> / <c>.lora_B.weight</c> for linear
/// and convolution layers, <c>&lt;module&gt;.lora_embedding_A</c> / <c>_B</c> for embeddings (the
/// adapter name is stripped on save). Other tensors are allowed only where the config explains them:
/// <c>modules_to_save</c> copies, biases when <c>bias</c> is not "none", and <c>lora_B.bias</c> with <c>lora_bias</c>.
/// </summary>
internal static class LoraKeys
{
    private static readonly (string A, string B)[] Suffixes =
    [
        (".lora_A.weight", ".lora_B.weight"),
        (".lora_embedding_A", ".lora_embedding_B"),
    ];

    /// <summary>
    /// Pairs A and B tensors by module and checks names, dtypes, shapes and ranks against the config.
    /// <paramref name="fail"/> turns (tensor name or "" for the whole file, problem) into the exception to
    /// throw: bad input when reading, a bad argument when writing.
    /// </summary>
    internal static List<(string Module, int A, int B)> Pair(AdapterConfig config, IReadOnlyList<(string Name, TensorDType DType, IReadOnlyList<long> Shape)> tensors,
        Func<string, string, Exception> fail)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < tensors.Count; i++) index[tensors[i].Name] = i;

        var modules = new List<(string Module, int A, int B)>();
        for (var i = 0; i < tensors.Count; i++)
        {
            var (name, dtype, shape) = tensors[i];
            if (Match(name) is { } m)
            {
                var partner = m.Module + (m.IsA ? m.Suffixes.B : m.Suffixes.A);
                if (!index.TryGetValue(partner, out var j))
                    throw fail(name, $"has no matching {partner[(m.Module.Length + 1)..]}");
                if (!dtype.IsFloat32Convertible())
                    throw fail(name, $"is {dtype.HeaderName()}, expected F32, F16 or BF16");
                if (shape.Count < 2)
                    throw fail(name, $"has shape {Safetensors.FormatShape(shape)}, expected at least two dimensions");
                if (m.IsA) modules.Add((m.Module, i, j));
                continue;
            }
            if (Explained(config, name)) continue;
            if (name.Contains("lora_", StringComparison.Ordinal))
                throw fail(name, "is not a PEFT LoRA key (expected a name ending in .lora_A.weight or .lora_B.weight)");
            throw fail(name, "is neither a LoRA weight (.lora_A.weight / .lora_B.weight) nor listed in modules_to_save");
        }
        if (modules.Count == 0)
            throw fail("", "no LoRA weights (no tensor name ends in .lora_A.weight)");

        foreach (var (module, a, b) in modules)
        {
            long rankA = tensors[a].Shape[0], rankB = tensors[b].Shape[1];
            if (rankA != rankB)
                throw fail(tensors[b].Name, $"has rank {rankB} (shape {Safetensors.FormatShape(tensors[b].Shape)}) but {tensors[a].Name} has rank {rankA} (shape {Safetensors.FormatShape(tensors[a].Shape)})");
            // rank_pattern keys are matched differently across PEFT versions, so with a pattern any of its ranks is accepted.
            if (rankA != config.R && !config.RankPattern.Values.Any(v => v == rankA))
                throw fail(tensors[a].Name, $"has rank {rankA} (shape {Safetensors.FormatShape(tensors[a].Shape)}) but {config.Path} says r = {config.R}"
                    + (config.HasRankPattern ? $" and rank_pattern allows {string.Join(", ", config.RankPattern.Values.Distinct())}" : ""));
        }
        return modules;
    }

    private static (string Module, bool IsA, (string A, string B) Suffixes)? Match(string name)
    {
        foreach (var pair in Suffixes)
        {
            if (name.EndsWith(pair.A, StringComparison.Ordinal) && name.Length > pair.A.Length)
                return (name[..^pair.A.Length], true, pair);
            if (name.EndsWith(pair.B, StringComparison.Ordinal) && name.Length > pair.B.Length)
                return (name[..^pair.B.Length], false, pair);
        }
        return null;
    }

    private static bool Explained(AdapterConfig config, string name)
    {
        if (config.Bias != "none" && name.EndsWith(".bias", StringComparison.Ordinal)) return true;
        if (config.LoraBias && name.EndsWith(".lora_B.bias", StringComparison.Ordinal)) return true;
        if (config.ModulesToSave is not { } saved) return false;
        var parts = name.Split('.');
        return saved.Any(module => parts.Contains(module, StringComparer.Ordinal));
    }
}
