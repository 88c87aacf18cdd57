using MetaLora.Repro.CodeIdentity;

namespace MetaLora.Study;

/// <summary>
/// One stage instance (DVC's vocabulary): its parameters, its command (the <c>lora</c> verb and
/// arguments it runs, part of its identity as DVC's <c>cmd</c> is), the files it reads and writes
/// (entries may be glob patterns), and the stages that make its inputs. The code it runs is not
/// listed: it is derived from the tool's build (see <see cref="CodeFingerprint"/>).
/// </summary>
/// <param name="Name">The instance's name, e.g. Distances.KL; its manifest is named after it.</param>
/// <param name="Params">Parameters; they also select alternatives in the code (<see cref="StageVariantAttribute"/>).</param>
/// <param name="Deps">Files it reads.</param>
/// <param name="Outs">Files it writes.</param>
/// <param name="Group">The paper stage (build-script task) it belongs to, e.g. Predict for Coefficients.KL.base_version.</param>
/// <param name="Verb">The command's verb path, e.g. <c>distances</c> or <c>bank build</c>: the root of its code.</param>
/// <param name="Command">The verb and its arguments.</param>
/// <param name="Upstream">Stages whose outputs it reads.</param>
public sealed record StageSpec(
    string Name,
    IReadOnlyDictionary<string, string> Params,
    IReadOnlyList<string> Deps,
    IReadOnlyList<string> Outs,
    string Group = "",
    string Verb = "",
    IReadOnlyList<string>? Command = null,
    IReadOnlyList<string>? Upstream = null)
{
    /// <summary>The verb and its arguments, e.g. <c>["distances", "--metric", "KL", ...]</c>.</summary>
    public IReadOnlyList<string> Command { get; init; } = Command ?? [];

    /// <summary>Stages whose outputs this one reads.</summary>
    public IReadOnlyList<string> Upstream { get; init; } = Upstream ?? [];

    /// <summary>Manifest file name: the stage name with characters unsafe in file names replaced.</summary>
    public string ManifestFileName =>
        string.Concat(Name.Select(c => char.IsLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_')) + ".json";
}
