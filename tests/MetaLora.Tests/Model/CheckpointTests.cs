using System.Text.Json.Nodes;
using MetaLora.Formats;
using MetaLora.Model;
using static TorchSharp.torch;

namespace MetaLora.Tests.Model;

public sealed class CheckpointTests
{
    [Fact]
    public void SavedAndReloadedModelGivesIdenticalLogits()
    {
        using var dir = new TempDir();
        using var model = TinyMistral.Model(seed: 3);
        MistralCheckpoint.Save(model, dir.Path);
        using var loaded = MistralCheckpoint.Load(dir.Path);
        using var ids = TinyMistral.Ids(2, 7, seed: 1);

        Assert.Equal(TinyMistral.Logits(model, ids), TinyMistral.Logits(loaded, ids));
        Assert.True(File.Exists(dir["model.safetensors"]));
        Assert.False(File.Exists(dir["model.safetensors.index.json"]));
    }

    [Fact]
    public void StateDictKeysAreHuggingFaceNames()
    {
        using var dir = new TempDir();
        using var model = TinyMistral.Model();
        MistralCheckpoint.Save(model, dir.Path);
        var names = SafetensorsHeader.Read(dir["model.safetensors"]).Tensors.Select(t => t.Name).ToHashSet();

        string[] perLayer =
        [
            "self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight", "self_attn.o_proj.weight",
            "mlp.gate_proj.weight", "mlp.up_proj.weight", "mlp.down_proj.weight", "input_layernorm.weight", "post_attention_layernorm.weight",
        ];
        var expected = new[] { "model.embed_tokens.weight", "model.norm.weight", "lm_head.weight" }
            .Concat(Enumerable.Range(0, 2).SelectMany(i => perLayer.Select(p => $"model.layers.{i}.{p}")))
            .ToHashSet();
        Assert.Equal(expected.Order(), names.Order());

        var header = SafetensorsHeader.Read(dir["model.safetensors"]);
        Assert.Equal([16L, 32], header["model.layers.0.self_attn.k_proj.weight"].Shape); // 2 kv heads x head_dim 8
        Assert.Equal([32L, 48], header["model.layers.1.mlp.down_proj.weight"].Shape);
        Assert.Equal([64L, 32], header["lm_head.weight"].Shape);
    }

    [Fact]
    public void TiedModelSavesNoHeadAndReloads()
    {
        using var dir = new TempDir();
        using var model = TinyMistral.Model(seed: 4, tied: true);
        MistralCheckpoint.Save(model, dir.Path);
        Assert.False(SafetensorsHeader.Read(dir["model.safetensors"]).TryGet("lm_head.weight", out _));
        using var loaded = MistralCheckpoint.Load(dir.Path);
        using var ids = TinyMistral.Ids(1, 5, seed: 2);
        Assert.Equal(TinyMistral.Logits(model, ids), TinyMistral.Logits(loaded, ids));
    }

    [Fact]
    public void ShardedSaveWritesAnIndexAndReloadsIdentically()
    {
        using var dir = new TempDir();
        using var model = TinyMistral.Model(seed: 5);
        MistralCheckpoint.Save(model, dir.Path, maxShardBytes: 12_000);

        var index = JsonNode.Parse(File.ReadAllText(dir["model.safetensors.index.json"]))!;
        var files = index["weight_map"]!.AsObject().Select(kv => (string)kv.Value!).Distinct().ToArray();
        Assert.True(files.Length > 1);
        Assert.All(files, f => Assert.Matches(@"^model-\d{5}-of-\d{5}\.safetensors$", f));
        Assert.False(File.Exists(dir["model.safetensors"]));
        Assert.Equal(model.parameters().Sum(p => p.NumberOfElements * 4), (long)index["metadata"]!["total_size"]!);

        using var loaded = MistralCheckpoint.Load(dir.Path);
        using var ids = TinyMistral.Ids(2, 6, seed: 3);
        Assert.Equal(TinyMistral.Logits(model, ids), TinyMistral.Logits(loaded, ids));
    }

    [Theory]
    [InlineData("bfloat16", TensorDType.BF16)]
    [InlineData("float16", TensorDType.F16)]
    public void HalfPrecisionCheckpointsLoadKeptOrCast(string dtypeName, TensorDType fileType)
    {
        using var dir = new TempDir();
        var dtype = ModelDType.Parse(dtypeName);
        using (var model = TinyMistral.Model(seed: 6, dtype: dtype)) MistralCheckpoint.Save(model, dir.Path);
        Assert.Equal(fileType, SafetensorsHeader.Read(dir["model.safetensors"])["model.norm.weight"].DType);
        Assert.Equal(dtypeName, (string)JsonNode.Parse(File.ReadAllText(dir["config.json"]))!["torch_dtype"]!);

        using var kept = MistralCheckpoint.Load(dir.Path);
        using var cast = MistralCheckpoint.Load(dir.Path, ScalarType.Float32);
        Assert.Equal(dtype, kept.DType);
        Assert.Equal(ScalarType.Float32, cast.DType);
        using var ids = TinyMistral.Ids(1, 5, seed: 4);
        // Casting is exact (every half value is a float32), so only the arithmetic's precision differs.
        Assert.True(TinyMistral.MaxAbsDifference(TinyMistral.Logits(kept, ids), TinyMistral.Logits(cast, ids)) < 0.05);
        using var noGrad = no_grad();
        var keptWeight = kept.named_parameters().First(p => p.name == "model.layers.0.mlp.up_proj.weight").parameter.to_type(ScalarType.Float32);
        var castWeight = cast.named_parameters().First(p => p.name == "model.layers.0.mlp.up_proj.weight").parameter;
        Assert.True(keptWeight.eq(castWeight).all().item<bool>());
    }

    [Fact]
    public void MissingWrongShapedOrUnknownTensorsAreOneLineErrorsNamingTheFile()
    {
        using var dir = new TempDir();
        using (var model = TinyMistral.Model()) MistralCheckpoint.Save(model, dir.Path);
        var weights = dir["model.safetensors"];

        // A config whose intermediate size disagrees with the weights.
        var config = MistralConfig.Load(dir["config.json"]).With("intermediate_size", 40);
        config.Save(dir["config.json"]);
        var e = Assert.Throws<BadInputException>(() => MistralCheckpoint.Load(dir.Path));
        Assert.StartsWith(weights + ": tensor 'model.layers.0.mlp.gate_proj.weight' has shape [48, 32]", e.Message);

        // A tied config with an untied checkpoint is fine (HF ignores the redundant head); more layers in the file than the config is not.
        config.With("intermediate_size", 48).With("num_hidden_layers", 1).Save(dir["config.json"]);
        e = Assert.Throws<BadInputException>(() => MistralCheckpoint.Load(dir.Path));
        Assert.Contains("model.layers.1.", e.Message);
        Assert.Contains("is not a weight of a Mistral model", e.Message);

        config.With("intermediate_size", 48).With("num_hidden_layers", 3).Save(dir["config.json"]);
        e = Assert.Throws<BadInputException>(() => MistralCheckpoint.Load(dir.Path));
        Assert.Contains("'model.layers.2.self_attn.q_proj.weight' is missing", e.Message);

        File.Delete(weights);
        e = Assert.Throws<BadInputException>(() => MistralCheckpoint.Load(dir.Path));
        Assert.Equal($"{dir.Path}: no model.safetensors or model.safetensors.index.json in the model folder", e.Message);
    }

    [Fact]
    public void ShardIndexPointingOutsideTheFolderIsRefused()
    {
        using var dir = new TempDir();
        using (var model = TinyMistral.Model()) MistralCheckpoint.Save(model, dir.Path, maxShardBytes: 12_000);
        dir.Write("model.safetensors.index.json", """{"weight_map": {"model.norm.weight": "../x.safetensors"}}""");
        var e = Assert.Throws<BadInputException>(() => MistralCheckpoint.Load(dir.Path));
        Assert.Contains("not a file in the model folder", e.Message);
    }
}
