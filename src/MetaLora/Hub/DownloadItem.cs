namespace MetaLora.Hub;

/// <summary>One file to fetch: where from, where to, and what it must be.</summary>
public sealed record DownloadItem(HubRepo Repo, string Commit, HubFile File, string Target);
