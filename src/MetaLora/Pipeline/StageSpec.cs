namespace MetaLora.Pipeline;

/// <summary>
/// One stage instance, as the build script declares it (DVC's vocabulary): its parameters, the
/// files it reads (data dependencies and the source files of its own implementation) and the files
/// it writes. Entries may be glob patterns.
/// </summary>
public sealed record StageSpec(
    string Name,
    IReadOnlyDictionary<string, string> Params,
    IReadOnlyList<string> Deps,
    IReadOnlyList<string> Code,
    IReadOnlyList<string> Outs)
{
    /// <summary>Manifest file name: the stage name with characters unsafe in file names replaced.</summary>
    public string ManifestFileName =>
        string.Concat(Name.Select(c => char.IsLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_')) + ".json";
}
