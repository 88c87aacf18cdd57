using MetaLora.Formats;

namespace MetaLora.Serving;

/// <summary>
/// Where <c>/v1/load_lora_adapter</c> may load from: inside the folders the operator named (the
/// <c>--adapters</c> folders, the bank, <c>--allow-adapter-dir</c>), judged on real paths, so neither
/// <c>..</c> nor a symbolic link leads out. Outside them the answer is one 403, the same whether the path
/// exists or not, so a client cannot learn what is on the server's disk; inside them a missing folder or a
/// folder that is not an adapter is a 400 that says so.
/// </summary>
internal sealed class AdapterFolders
{
    private readonly string[] _roots;

    /// <param name="roots">The allowed folders; each must exist.</param>
    public AdapterFolders(IEnumerable<string> roots)
    {
        _roots = roots.Select(r => RealPath.Resolve(r) is (var path, true) ? path : throw BadInputException.At(r, "adapter folder does not exist"))
            .Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The resolved folders adapters may be loaded from.</summary>
    public IReadOnlyList<string> Roots => _roots;

    /// <summary>The real path of the adapter folder <paramref name="path"/>, or the refusal to answer with.</summary>
    public string Resolve(string name, string path)
    {
        var (real, exists) = RealPath.Resolve(path);
        if (!_roots.Any(root => RealPath.IsWithin(real, root)))
            throw new ServeException(403, "PermissionDeniedError",
                $"adapter '{name}': lora_path is not inside a folder this server loads adapters from (its --adapters folders, its bank and --allow-adapter-dir)", "lora_path");
        if (!exists || !Directory.Exists(real))
            throw ServeException.BadRequest($"adapter '{name}': the path {path} does not exist (or is not a folder) on the server", "lora_path");
        if (!PeftAdapter.IsComplete(real))
            throw ServeException.BadRequest($"adapter '{name}': {path} is not a LoRA adapter (no adapter_config.json + adapter_model.safetensors)", "lora_path");
        return real;
    }
}
