using System.Text;
using System.Text.Json;
using MetaLora.Bank;
using MetaLora.Formats;
using MetaLora.Hub;
using MetaLora.Tests.Support;
using MetaLora.Tests.Tokenization;

namespace MetaLora.Tests.Hub;

/// <summary>
/// <c>lora fetch</c> end to end against a local server that serves the first tasks of the Lots-of-LoRAs
/// list and a gated stand-in for the base model, in the Hub's layouts (parquet under data/, JSON lines).
/// </summary>
public sealed class FetchTests : IDisposable
{
    private const string BaseCommit = FakeLotsOfLoras.BaseCommit;
    private readonly FakeHub _hub = new();
    private readonly TempDir _dir = new();
    private readonly IReadOnlyList<BankSource> _tasks = LotsOfLoras.Tasks.Take(3).ToArray();

    public FetchTests()
    {
        FakeLotsOfLoras.Serve(_hub, _dir["adapter-sources"], _tasks);
        _dir.Write(Path.Combine("work", ".env"), $"HUGGINGFACE_TOKEN={_hub.AcceptedToken}\n");
    }

    public void Dispose()
    {
        _hub.Dispose();
        _dir.Dispose();
    }

    /// <summary>The tool in work/ (whose .env holds the token, unless a test removes it), pointed at the local hub.</summary>
    private ProcessResult Fetch(params string[] args) =>
        ToolProcess.LoraWithEnvironment(_dir["work"],
            new Dictionary<string, string?> { ["HF_ENDPOINT"] = _hub.Endpoint, ["HF_TOKEN"] = null },
            ["fetch", "--bank-dir", _dir["bank"], "--jobs", "3", .. args]);

    [Fact]
    public void Fetch_limit_2_materialises_a_bank_that_loads_and_a_rerun_needs_no_network()
    {
        var first = Fetch("--limit", "2");
        Assert.True(first.ExitCode == 0, first.Output);
        Assert.Contains($"using the token from {Path.Combine(_dir["work"], ".env")}", first.Stdout);

        var bank = BankInfo.Load(_dir["bank"]);
        Assert.Equal(_tasks.Take(2).Select(t => t.Task), bank.Tasks);
        Assert.Equal(TokenizerSpec.SentencePiece, bank.Tokenizer.Kind);
        Assert.Equal("base_model/tokenizer.model", bank.Tokenizer.Path);
        Assert.Equal(32000, bank.VocabSize);
        // The paper's generation setting, written out rather than left to the default.
        Assert.Equal(new BankGeneration(256), bank.Generation);
        Assert.Contains("\"max_new_tokens\": 256", File.ReadAllText(bank.JsonPath));
        Assert.Equal(2, AdapterBank.CheckConsistent(bank.Tasks.Select(bank.AdapterDir).ToArray()).Count);
        Assert.Equal(3, Dataset.ReadSplit(bank.DatasetDir(bank.Tasks[0]), "train").Count);
        Assert.True(File.Exists(Path.Combine(bank.DatasetDir(bank.Tasks[0]), "data", "train-00000-of-00001.parquet")));
        Assert.Equal(["answer 0"], Dataset.ReadSplit(bank.DatasetDir(bank.Tasks[1]), "train")[0].Output);
        Assert.Equal(2, Dataset.ReadSplit(bank.DatasetDir(bank.Tasks[1]), "valid").Count);
        Assert.False(File.Exists(Path.Combine(bank.DatasetDir(bank.Tasks[0]), ".gitattributes")));
        Assert.False(File.Exists(Path.Combine(bank.AdapterDir(bank.Tasks[0]), "README.md")));
        Assert.Equal(TinySentencePiece.Build(), File.ReadAllBytes(Path.Combine(_dir["bank"], "base_model", "tokenizer.model")));
        Assert.Empty(Directory.GetFiles(Path.Combine(_dir["bank"], "base_model"), "*.safetensors"));

        // Pinned commits, per repo, in bank.json.
        using (var doc = JsonDocument.Parse(File.ReadAllBytes(bank.JsonPath)))
        {
            var sources = doc.RootElement.GetProperty("sources");
            Assert.Equal(BaseCommit, sources.GetProperty("base_model").GetProperty("revision").GetString());
            var task1 = sources.GetProperty("tasks")[1];
            Assert.Equal(_tasks[1].Adapter.Id, task1.GetProperty("adapter").GetProperty("repo").GetString());
            Assert.Equal($"a{1:D39}", task1.GetProperty("adapter").GetProperty("revision").GetString());
            Assert.Equal($"d{1:D39}", task1.GetProperty("dataset").GetProperty("revision").GetString());
        }

        // The token is in no output and no file the fetch wrote.
        Assert.DoesNotContain(_hub.AcceptedToken, first.Output);
        foreach (var file in Directory.EnumerateFiles(_dir["bank"], "*", SearchOption.AllDirectories))
            Assert.DoesNotContain(_hub.AcceptedToken, Encoding.Latin1.GetString(File.ReadAllBytes(file)));

        // Rerun: every file verified from the record, listings cached per commit: not one request.
        var requests = _hub.Requests.Count;
        var second = Fetch("--limit", "2");
        Assert.True(second.ExitCode == 0, second.Output);
        Assert.Contains("0 files downloaded", second.Stdout);
        Assert.Equal(requests, _hub.Requests.Count);

        // A damaged file is found (its mtime changed), re-downloaded, and nothing else is.
        var weights = PeftAdapter.WeightsPathIn(bank.AdapterDir(bank.Tasks[1]));
        var good = File.ReadAllBytes(weights);
        File.WriteAllBytes(weights, good.Select(b => (byte)~b).ToArray());
        var third = Fetch("--limit", "2");
        Assert.True(third.ExitCode == 0, third.Output);
        Assert.Contains("1 files downloaded", third.Stdout);
        Assert.Equal(good, File.ReadAllBytes(weights));

        // A larger limit and the base model's weights: only what is new is fetched; Mistral's
        // consolidated.safetensors and the .bin shards are not.
        var fourth = Fetch("--limit", "3", "--include-base-model");
        Assert.True(fourth.ExitCode == 0, fourth.Output);
        Assert.Equal(3, BankInfo.Load(_dir["bank"]).Tasks.Count);
        Assert.Equal(["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"],
            Directory.GetFiles(Path.Combine(_dir["bank"], "base_model"), "*.safetensors").Select(Path.GetFileName).Order());
        Assert.True(File.Exists(Path.Combine(_dir["bank"], "base_model", "model.safetensors.index.json")));
        Assert.Empty(Directory.GetFiles(Path.Combine(_dir["bank"], "base_model"), "*.bin"));
        Assert.Contains("8 files downloaded", fourth.Stdout); // the third task's adapter (2) and splits (3), 2 shards and the index
    }

    [Fact]
    public void Reruns_keep_the_pinned_commits_until_revision_moves_them()
    {
        Assert.Equal(0, Fetch("--limit", "2").ExitCode);
        var task = _tasks[1];
        var train = Path.Combine(_dir["bank"], "datasets", task.Task, "train.jsonl");
        var pinned = File.ReadAllBytes(train);

        // The dataset gets a new commit on the Hub, with a parquet shard instead of JSON lines.
        _hub.AddDataset(task.Dataset.Id, "e000000000000000000000000000000000000002", new()
        {
            ["data/train-00000-of-00001.parquet"] = File.ReadAllBytes(Fixtures.Path("hf_train.parquet")),
        });
        var same = Fetch("--limit", "2");
        Assert.True(same.ExitCode == 0, same.Output);
        Assert.Equal(pinned, File.ReadAllBytes(train));

        var moved = Fetch("--limit", "2", "--revision", "main");
        Assert.True(moved.ExitCode == 0, moved.Output);
        Assert.Contains("1 files downloaded", moved.Stdout);
        Assert.False(File.Exists(train)); // the old split would otherwise be read beside the new one
        Assert.Equal(3, Dataset.ReadSplit(Path.GetDirectoryName(train)!, "train").Count);
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_dir["bank"], BankInfo.FileName)));
        Assert.Equal("e000000000000000000000000000000000000002",
            doc.RootElement.GetProperty("sources").GetProperty("tasks")[1].GetProperty("dataset").GetProperty("revision").GetString());
    }

    [Fact]
    public void Without_a_token_the_gated_base_model_fails_with_one_line_and_no_bank()
    {
        File.Delete(_dir[Path.Combine("work", ".env")]);
        var result = Fetch("--limit", "1");
        Assert.Equal(2, result.ExitCode);
        var error = result.Stderr.Trim();
        Assert.Single(error.Split('\n'));
        Assert.Contains("401", error);
        Assert.Contains(LotsOfLoras.BaseModelRepo, error);
        Assert.Contains("HF_TOKEN", error);
        Assert.False(File.Exists(Path.Combine(_dir["bank"], BankInfo.FileName)));
    }

    [Fact]
    public async Task Not_enough_disk_space_fails_before_downloading()
    {
        using var client = new HubClient(new HubSettings(new Uri(_hub.Endpoint), HubToken.FromValue(_hub.AcceptedToken, "test")));
        var fetch = new BankFetch(client) { FreeSpace = _ => 1000 };
        var e = await Assert.ThrowsAsync<BadInputException>(() => fetch.RunAsync(_tasks, "test", HubRepo.Model(LotsOfLoras.BaseModelRepo),
            32000, new FetchOptions(_dir["bank"], Limit: 2)));
        Assert.StartsWith($"{Path.GetFullPath(_dir["bank"])}: not enough free space: the ", e.Message);
        Assert.Matches(@": the \d+ files still to download need [0-9.]+ (B|[KMG]iB), only 1000 B free; free some space or pass another --bank-dir$", e.Message);
        Assert.DoesNotContain(_hub.Requests, r => r.Path.Contains("/resolve/") || r.Path.StartsWith("/cdn/"));
        Assert.False(File.Exists(Path.Combine(_dir["bank"], BankInfo.FileName)));
    }
}
