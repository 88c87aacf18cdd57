using System.Text;
using System.Text.Json;
using MetaLora.Bank;
using MetaLora.Tests.Support;
using MetaLora.Tests.Tokenization;

namespace MetaLora.Tests.Hub;

/// <summary>
/// Puts stand-ins for the first tasks of the Lots-of-LoRAs list on a <see cref="FakeHub"/>: small
/// synthetic adapters (commit a000…i; the third in a checkpoint folder), datasets in both of the Hub's layouts (parquet shards under
/// data/ for even tasks, JSON lines per split for odd ones; commit d000…i) and a gated base model
/// with a tiny SentencePiece tokenizer, two shards, an index, and files a fetch must leave alone.
/// </summary>
internal static class FakeLotsOfLoras
{
    public const string BaseCommit = "b000000000000000000000000000000000000001";

    public static void Serve(FakeHub hub, string scratch, IReadOnlyList<BankSource> tasks)
    {
        SyntheticAdapters.Write(scratch, tasks.Count, names: tasks.Select(t => t.Task).ToArray());
        var parquet = File.ReadAllBytes(Fixtures.Path("hf_train.parquet"));
        for (var i = 0; i < tasks.Count; i++)
        {
            var t = tasks[i];
            // The third adapter sits in a trainer's checkpoint folder, as some uploads do.
            var folder = i == 2 ? "checkpoint-100/" : "";
            hub.AddModel(t.Adapter.Id, $"a{i:D39}", new()
            {
                [folder + "adapter_config.json"] = File.ReadAllBytes(Path.Combine(scratch, t.Task, "adapter_config.json")),
                [folder + "adapter_model.safetensors"] = File.ReadAllBytes(Path.Combine(scratch, t.Task, "adapter_model.safetensors")),
                ["README.md"] = "# card\n"u8.ToArray(),
            });
            hub.AddDataset(t.Dataset.Id, $"d{i:D39}", i % 2 == 0
                ? new()
                {
                    ["data/train-00000-of-00001.parquet"] = parquet,
                    ["data/valid-00000-of-00001.parquet"] = parquet,
                    ["data/test-00000-of-00001.parquet"] = parquet,
                    [".gitattributes"] = "*.parquet filter=lfs\n"u8.ToArray(),
                }
                : new()
                {
                    ["train.json"] = Lines("train", 5),
                    ["valid.json"] = Lines("valid", 2),
                    ["test.json"] = Lines("test", 2),
                });
        }
        hub.AddModel(LotsOfLoras.BaseModelRepo, BaseCommit, new()
        {
            ["config.json"] = "{\"model_type\": \"mistral\", \"vocab_size\": 32000}"u8.ToArray(),
            ["generation_config.json"] = "{}"u8.ToArray(),
            ["tokenizer.model"] = TinySentencePiece.Build(),
            ["tokenizer_config.json"] = "{\"add_bos_token\": true}"u8.ToArray(),
            ["model-00001-of-00002.safetensors"] = Enumerable.Repeat((byte)1, 5000).ToArray(),
            ["model-00002-of-00002.safetensors"] = Enumerable.Repeat((byte)2, 3000).ToArray(),
            ["model.safetensors.index.json"] = "{\"weight_map\": {}}"u8.ToArray(),
            ["consolidated.safetensors"] = Enumerable.Repeat((byte)3, 8000).ToArray(),
            ["pytorch_model-00001-of-00002.bin"] = Enumerable.Repeat((byte)4, 100).ToArray(),
        }, gated: true);
    }

    private static byte[] Lines(string split, int count) => Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, count)
        .Select(i => JsonSerializer.Serialize(new { input = $"{split} question {i}", output = $"answer {i}", id = $"{split}-{i}" }) + "\n")));
}
