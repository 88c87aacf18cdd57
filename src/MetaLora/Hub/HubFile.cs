
namespace MetaLora.Hub;

/// <summary>
/// A file of a repository at a commit, as the tree API lists it. <see cref="Sha256"/> is the LFS
/// object id (large files); <see cref="GitOid"/> is the git blob id, which identifies the content of
/// files stored in git itself (for LFS files it identifies only the pointer).
/// </summary>
internal sealed record HubFile(string Path, long Size, string? Sha256, string? GitOid)
{
    /// <summary>What the content must hash to: "sha256:&lt;hex&gt;" (LFS) or "git:&lt;hex&gt;".</summary>
    public string Identity => Sha256 is not null ? "sha256:" + Sha256 : "git:" + GitOid;
}
