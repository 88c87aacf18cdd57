using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using MetaLora.IO;

namespace MetaLora.Cluster;

/// <summary>
/// <c>state.json</c> beside the script: the script's hash (another command starts afresh), every job
/// submitted for it and each shard's last state, so a rerun attaches to a running job or resubmits only
/// shards that did not complete.
/// </summary>
internal sealed class SlurmRunState
{
    public string ScriptHash { get; set; } = "";
    public int Shards { get; set; }
    public List<string> Jobs { get; set; } = [];
    public SortedDictionary<int, ShardRecord> Results { get; set; } = [];

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public static string Hash(string script) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(script)));

    /// <summary>The recorded state when it belongs to this script, else an empty one.</summary>
    public static SlurmRunState Load(string path, string scriptHash, int shards)
    {
        SlurmRunState? state = null;
        if (File.Exists(path))
        {
            try { state = JsonSerializer.Deserialize<SlurmRunState>(File.ReadAllBytes(path)); }
            catch (JsonException) { state = null; }
        }
        return state is not null && state.ScriptHash == scriptHash && state.Shards == shards
            ? state
            : new SlurmRunState { ScriptHash = scriptHash, Shards = shards };
    }

    public void Save(string path) => AtomicFile.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(this, Options));

    [JsonIgnore]
    public IEnumerable<int> Completed => Results.Where(r => r.Value.State == SlurmStates.Completed).Select(r => r.Key);

    /// <summary>Shards submitted to a job whose end has not been seen.</summary>
    [JsonIgnore]
    public IEnumerable<(string Job, int Index)> Unfinished =>
        Results.Where(r => !SlurmStates.IsTerminal(r.Value.State) && r.Value.State != Unknown).Select(r => (r.Value.Job, r.Key));

    public const string Submitted = "SUBMITTED";
    public const string Unknown = "UNKNOWN";
}
