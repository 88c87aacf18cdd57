using System.Text.Json.Nodes;
using MetaLora.Formats;
using MetaLora.Model;
using static TorchSharp.torch;

namespace MetaLora.Tests.Model;

public sealed class LoraTests
{
    private static readonly string[] AllLinear = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    private static AdapterConfig Config(IReadOnlyList<string>? targets = null, int r = 4, double alpha = 8) =>
        AdapterConfig.Create(PeftAdapter.ConfigFileName, r, alpha, targets ?? AllLinear);

    /// <summary>Gives B random values so the adapter changes the model.</summary>
    private static LoraAdapter Trained(MistralForCausalLM model, AdapterConfig config, long seed)
    {
        var adapter = LoraAdapter.Create(model, config, seed);
        using var generator = new Generator((ulong)seed + 100);
        using var noGrad = no_grad();
        foreach (var (_, layer) in adapter.Layers) layer.B.normal_(0, 0.05, generator);
        return adapter;
    }

    [Fact]
    public void FreshAdapterWithZeroBLeavesLogitsUnchanged()
    {
        using var model = TinyMistral.Model(seed: 2);
        using var ids = TinyMistral.Ids(2, 6, seed: 5);
        var before = TinyMistral.Logits(model, ids);
        using var adapter = LoraAdapter.Create(model, Config(), seed: 1);
        model.SetAdapter(adapter);

        Assert.Equal(14, adapter.Layers.Count); // 7 projections x 2 layers
        Assert.All(adapter.Layers, l => Assert.Equal(0f, l.Value.B.abs().max().item<float>()));
        Assert.Contains(adapter.Layers, l => l.Value.A.abs().max().item<float>() > 0);
        Assert.Equal(before, TinyMistral.Logits(model, ids));
    }

    [Fact]
    public void MergedAdapterGivesTheUnmergedLogits()
    {
        using var model = TinyMistral.Model(seed: 2);
        using var ids = TinyMistral.Ids(2, 6, seed: 5);
        var baseLogits = TinyMistral.Logits(model, ids);
        using var adapter = Trained(model, Config(), seed: 3);
        model.SetAdapter(adapter);
        var unmerged = TinyMistral.Logits(model, ids);
        Assert.True(TinyMistral.MaxAbsDifference(baseLogits, unmerged) > 1e-3, "the adapter should change the logits");

        model.Merge();
        Assert.True(TinyMistral.MaxAbsDifference(unmerged, TinyMistral.Logits(model, ids)) < 1e-5);
        model.Unmerge();
        Assert.True(TinyMistral.MaxAbsDifference(unmerged, TinyMistral.Logits(model, ids)) < 1e-5);
        model.SetAdapter(null);
        Assert.True(TinyMistral.MaxAbsDifference(baseLogits, TinyMistral.Logits(model, ids)) < 1e-5);
    }

    [Fact]
    public void SavedAdapterHasPeftKeysAndLoadsBackIdentically()
    {
        using var dir = new TempDir();
        using var model = TinyMistral.Model(seed: 2);
        using var adapter = Trained(model, Config(["q_proj", "v_proj"], r: 4, alpha: 16), seed: 4);
        adapter.Save(dir.Path);

        var peft = PeftAdapter.Open(dir.Path);
        Assert.Equal(4, peft.Modules.Count);
        var q = peft.Modules.Single(m => m.Name == "base_model.model.model.layers.0.self_attn.q_proj");
        Assert.Equal("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", q.A.Name);
        Assert.Equal([4L, 32], q.A.Shape);
        Assert.Equal([32L, 4], q.B.Shape);
        Assert.Equal(TensorDType.F32, q.A.DType);
        Assert.Equal(16, peft.Config.LoraAlpha);

        using var ids = TinyMistral.Ids(2, 6, seed: 6);
        model.SetAdapter(adapter);
        var expected = TinyMistral.Logits(model, ids);
        using var loaded = LoraAdapter.Load(dir.Path, model);
        model.SetAdapter(loaded);
        Assert.Equal(expected, TinyMistral.Logits(model, ids));
        Assert.Equal(4.0, loaded.Layers[0].Value.Scaling); // alpha / r
        Assert.Equal(adapter.NamedParameters().Select(p => p.Name), loaded.NamedParameters().Select(p => p.Name));
        foreach (var (a, b) in adapter.NamedParameters().Zip(loaded.NamedParameters()))
            Assert.True(a.Parameter.eq(b.Parameter).all().item<bool>(), a.Name);
    }

    [Fact]
    public void AdaptersSwapOnOneBaseModelWithoutReloadingIt()
    {
        using var model = TinyMistral.Model(seed: 2);
        using var ids = TinyMistral.Ids(1, 8, seed: 7);
        using var first = Trained(model, Config(), seed: 10);
        using var second = Trained(model, Config(["gate_proj", "up_proj", "down_proj"]), seed: 11);
        var baseWeights = model.parameters().Select(p => p.detach().clone()).ToArray();

        model.SetAdapter(first);
        var withFirst = TinyMistral.Logits(model, ids);
        model.SetAdapter(second);
        var withSecond = TinyMistral.Logits(model, ids);
        model.SetAdapter(first);
        Assert.Equal(withFirst, TinyMistral.Logits(model, ids));
        Assert.NotEqual(withFirst, withSecond);
        Assert.All(model.parameters().Zip(baseWeights), p => Assert.True(p.First.eq(p.Second).all().item<bool>()));
    }

    [Fact]
    public void TargetModulesRegexRankAndAlphaPatternsFollowPeft()
    {
        using var model = TinyMistral.Model();
        var config = Config(r: 4, alpha: 8)
            .With("target_modules", @".*\.layers\.1\.self_attn\.(q|v)_proj")
            .With("rank_pattern", new JsonObject { ["v_proj"] = 2 })
            .With("alpha_pattern", new JsonObject { ["v_proj"] = 6 });
        using var adapter = LoraAdapter.Create(model, config, seed: 1);
        Assert.Equal(["model.layers.1.self_attn.q_proj", "model.layers.1.self_attn.v_proj"], adapter.Layers.Select(l => l.Key));
        Assert.Equal((4L, 2.0), (adapter.Layers[0].Value.Rank, adapter.Layers[0].Value.Scaling));
        Assert.Equal((2L, 3.0), (adapter.Layers[1].Value.Rank, adapter.Layers[1].Value.Scaling));
    }

    [Fact]
    public void AdapterForAnotherModelShapeIsAOneLineErrorNamingTheFile()
    {
        using var dir = new TempDir();
        using (var other = MistralForCausalLM.Create(MistralConfig.Create(64, 48, 48, 2, 4, 2), seed: 1))
        using (var adapter = LoraAdapter.Create(other, Config(["q_proj"]), seed: 1))
            adapter.Save(dir.Path);
        using var model = TinyMistral.Model();
        var e = Assert.Throws<BadInputException>(() => LoraAdapter.Load(dir.Path, model));
        Assert.StartsWith(PeftAdapter.WeightsPathIn(dir.Path) + ": tensors 'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight' [4, 48]", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void AdapterTargetingNothingIsRefused()
    {
        using var model = TinyMistral.Model();
        var e = Assert.Throws<BadInputException>(() => LoraAdapter.Create(model, Config(["c_attn"]), seed: 1));
        Assert.Contains("selects no linear layer", e.Message);
    }

    [Fact]
    public void HalfPrecisionAdapterRoundTripsThroughPeftFiles()
    {
        using var dir = new TempDir();
        using var model = TinyMistral.Model();
        using var adapter = Trained(model, Config(["o_proj"]), seed: 5);
        adapter.Save(dir.Path, TensorDType.BF16);
        Assert.All(PeftAdapter.Open(dir.Path).Modules, m => Assert.Equal(TensorDType.BF16, m.A.DType));
        using var kept = LoraAdapter.Load(dir.Path, model);
        Assert.Equal(ScalarType.BFloat16, kept.Layers[0].Value.A.dtype);
        using var cast = LoraAdapter.Load(dir.Path, model, ScalarType.Float32);
        using var expected = adapter.Layers[0].Value.B.to_type(ScalarType.BFloat16).to_type(ScalarType.Float32);
        Assert.True(cast.Layers[0].Value.B.eq(expected).all().item<bool>());
    }

    [Fact]
    public void UnsupportedPeftFeaturesAreRefusedNamingTheConfig()
    {
        using var dir = new TempDir();
        using var model = TinyMistral.Model();
        using (var adapter = LoraAdapter.Create(model, Config(["q_proj"]), seed: 1)) adapter.Save(dir.Path);
        var configPath = PeftAdapter.ConfigPathIn(dir.Path);
        AdapterConfig.Load(configPath).With("use_dora", true).Save(configPath);
        var e = Assert.Throws<BadInputException>(() => LoraAdapter.Load(dir.Path, model));
        Assert.Equal($"{configPath}: use_dora is true; DoRA adapters are not supported", e.Message);
    }

    [Fact]
    public void AnAdapterForAnotherModelIsNotAttachedAndLeavesTheCurrentOne()
    {
        using var model = TinyMistral.Model(seed: 2);
        using var other = MistralForCausalLM.Create(MistralConfig.Create(64, 48, 48, 2, 4, 2), seed: 1);
        using var mine = Trained(model, Config(), seed: 3);
        using var theirs = LoraAdapter.Create(other, Config(), seed: 3);
        using var ids = TinyMistral.Ids(1, 5, seed: 1);
        model.SetAdapter(mine);
        var expected = TinyMistral.Logits(model, ids);
        Assert.Throws<ArgumentException>(() => model.SetAdapter(theirs));
        Assert.Same(mine, model.Adapter);
        Assert.Equal(expected, TinyMistral.Logits(model, ids));
    }
}
