namespace MetaLora.Hub;

/// <summary>A repository on the Hub, e.g. model <c>mistralai/Mistral-7B-Instruct-v0.2</c>.</summary>
internal sealed record HubRepo(RepoKind Kind, string Id)
{
    public static HubRepo Model(string id) => new(RepoKind.Model, Check(id));
    public static HubRepo Dataset(string id) => new(RepoKind.Dataset, Check(id));

    /// <summary>The API's collection: <c>/api/models/...</c> or <c>/api/datasets/...</c>.</summary>
    public string ApiCollection => Kind == RepoKind.Model ? "models" : "datasets";

    /// <summary>The id as URL path segments (owner and name escaped, the slash kept).</summary>
    public string EscapedId => string.Join('/', Id.Split('/').Select(Uri.EscapeDataString));

    /// <summary>What file URLs start with after the endpoint: datasets live under <c>datasets/</c>.</summary>
    public string ResolvePrefix => Kind == RepoKind.Model ? EscapedId : "datasets/" + EscapedId;

    /// <summary>A stable key for records: "model:owner/name" or "dataset:owner/name".</summary>
    public string Key => $"{(Kind == RepoKind.Model ? "model" : "dataset")}:{Id}";

    public override string ToString() => $"{(Kind == RepoKind.Model ? "model" : "dataset")} {Id}";

    private static string Check(string id)
    {
        var parts = id.Split('/');
        if (parts.Length is < 1 or > 2 || parts.Any(p => p.Length == 0 || p is "." or ".."))
            throw new ArgumentException($"not a Hugging Face repository id: \"{id}\"", nameof(id));
        return id;
    }
}
