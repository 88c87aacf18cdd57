namespace MetaLora.Hub;

/// <summary>One file to fetch: where from, where to, and what it must be.</summary>
internal sealed record DownloadItem(HubRepo Repo, string Commit, HubFile File, string Target);
