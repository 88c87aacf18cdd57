using System.Text;
using MetaLora.Formats;

namespace MetaLora.Tests.Formats;

public sealed class PeftAdapterTests : IDisposable
{
    private static readonly string FixtureFolder = Fixtures.Path("peft_adapter");
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Config_TypedFieldsOfFixture()
    {
        var config = AdapterConfig.Load(Path.Combine(FixtureFolder, AdapterConfig.FileName));
        Assert.Equal("LORA", config.PeftType);
        Assert.Equal(4, config.R);
        Assert.Equal(16, config.LoraAlpha);
        Assert.Equal(0.05, config.LoraDropout);
        Assert.Equal(["q_proj", "v_proj"], config.TargetModules!.Names!);
        Assert.False(config.TargetModules.IsPattern);
        Assert.Equal("mistralai/Mistral-7B-v0.1", config.BaseModelNameOrPath);
        Assert.Equal("CAUSAL_LM", config.TaskType);
        Assert.Equal("none", config.Bias);
        Assert.False(config.FanInFanOut);
        Assert.Null(config.ModulesToSave);
        Assert.False(config.HasRankPattern);
        Assert.False(config.HasAlphaPattern);
    }

    [Fact]
    public void Config_RewriteIsByteIdenticalToPeftLayout_AndKeepsUnknownFields()
    {
        var path = Path.Combine(FixtureFolder, AdapterConfig.FileName);
        var config = AdapterConfig.Load(path);
        Assert.Equal(File.ReadAllBytes(path), config.ToUtf8Json());

        var copy = _dir.Combine("copy.json");
        config.With("base_model_name_or_path", "elsewhere").Save(copy);
        var reread = AdapterConfig.Load(copy);
        Assert.Equal("elsewhere", reread.BaseModelNameOrPath);
        Assert.Equal("{\"flag\":true,\"nested\":[1,2.5,\"text\"]}", reread["x_future_field"]!.ToJsonString());
        Assert.Equal(config.Keys.Order(), reread.Keys.Order());
    }

    [Fact]
    public void Config_DefaultsAndVariants()
    {
        var minimal = Parse("{\"peft_type\": \"LORA\"}");
        Assert.Equal(8, minimal.R);
        Assert.Equal(8, minimal.LoraAlpha);
        Assert.Equal("none", minimal.Bias);
        Assert.Null(minimal.TargetModules);

        var variant = Parse("""
            {"peft_type": "LORA", "r": 16, "lora_alpha": 32.5, "target_modules": ".*\\.(q|v)_proj", "bias": "lora_only",
             "fan_in_fan_out": true, "modules_to_save": ["score"], "rank_pattern": {"q_proj": 8}, "alpha_pattern": {"v_proj": 4.5},
             "task_type": null, "lora_dropout": 0.1, "use_rslora": true}
            """);
        Assert.Equal(".*\\.(q|v)_proj", variant.TargetModules!.Pattern);
        Assert.True(variant.TargetModules.IsPattern);
        Assert.Null(variant.TargetModules.Names);
        Assert.Equal(32.5, variant.LoraAlpha);
        Assert.Equal("lora_only", variant.Bias);
        Assert.True(variant.FanInFanOut);
        Assert.True(variant.UseRsLora);
        Assert.Equal(["score"], variant.ModulesToSave!);
        Assert.Equal(8, variant.RankPattern["q_proj"]);
        Assert.Equal(4.5, variant.AlphaPattern["v_proj"]);
        Assert.Null(variant.TaskType);
    }

    [Theory]
    [InlineData("[1]", "expected a JSON object, found a list")]
    [InlineData("{}", "missing \"peft_type\" (a LoRA adapter has \"peft_type\": \"LORA\")")]
    [InlineData("{\"peft_type\": \"IA3\"}", "\"peft_type\" is a string, expected \"LORA\" (only LoRA adapters can be combined)")]
    [InlineData("{\"peft_type\": \"LORA\", \"r\": 0}", "\"r\" is 0, expected a positive integer")]
    [InlineData("{\"peft_type\": \"LORA\", \"r\": \"8\"}", "\"r\" is a string, expected a positive integer")]
    [InlineData("{\"peft_type\": \"LORA\", \"lora_alpha\": [16]}", "\"lora_alpha\" is a list, expected a number")]
    [InlineData("{\"peft_type\": \"LORA\", \"target_modules\": 3}", "\"target_modules\" is 3, expected a list of module names or a regular expression")]
    [InlineData("{\"peft_type\": \"LORA\", \"target_modules\": [\"q\", 1]}", "\"target_modules[1]\" is 1, expected a string")]
    [InlineData("{\"peft_type\": \"LORA\", \"bias\": \"some\"}", "\"bias\" is \"some\", expected one of \"none\", \"all\", \"lora_only\"")]
    [InlineData("{\"peft_type\": \"LORA\", \"rank_pattern\": {\"q\": 2.5}}", "\"rank_pattern.q\" is 2.5, expected a positive integer")]
    [InlineData("{\"peft_type\": \"LORA\", \"r\": 4, \"r\": 8}", "invalid JSON")]
    public void Config_Rejects(string json, string problem)
    {
        var e = Assert.Throws<BadInputException>(() => Parse(json));
        Assert.StartsWith("cfg.json", e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void Config_CreateIsLoadableAndDeterministic()
    {
        var config = AdapterConfig.Create("new.json", 4, 16, ["q_proj", "v_proj"], "base", "CAUSAL_LM");
        Assert.Equal(4, config.R);
        Assert.Equal(["q_proj", "v_proj"], config.TargetModules!.Names!);
        var text = config.ToString();
        Assert.StartsWith("{\n  \"alpha_pattern\": {},\n  \"base_model_name_or_path\": \"base\",", text);
        Assert.Contains("\n  \"peft_type\": \"LORA\",\n  \"r\": 4,", text);
        Assert.Equal(text, AdapterConfig.Create("other.json", 4, 16, ["q_proj", "v_proj"], "base", "CAUSAL_LM").ToString());
    }

    [Fact]
    public void Open_Fixture()
    {
        var adapter = PeftAdapter.Open(FixtureFolder);
        Assert.Equal(4, adapter.Modules.Count);
        var q0 = adapter.Modules.Single(m => m.Name == "base_model.model.model.layers.0.self_attn.q_proj");
        Assert.Equal(4, q0.Rank);
        Assert.Equal(8, q0.InFeatures);
        Assert.Equal(8, q0.OutFeatures);
        Assert.Equal("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", q0.A.Name);
        Assert.Equal("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight", q0.B.Name);
        using var weights = adapter.OpenWeights();
        Assert.Equal(32, weights.ReadFloat32(weights[q0.A.Name]).Length);
    }

    [Fact]
    public void Write_ThenOpen_RoundTrips()
    {
        var folder = _dir.Combine("out");
        var config = AdapterConfig.Create(PeftAdapter.ConfigPathIn(folder), 2, 4, ["q_proj"]);
        var specs = LoraSpecs(rank: 2, layers: 2).ToArray();
        var values = specs.ToDictionary(s => s.Name, s => Enumerable.Range(0, (int)s.ElementCount).Select(i => i * 0.25f).ToArray());
        PeftAdapter.Write(folder, config, specs, (t, sink) => sink.WriteFloat32(values[t.Name]));

        Assert.True(PeftAdapter.IsComplete(folder));
        Assert.Equal([AdapterConfig.FileName, PeftAdapter.WeightsFileName], Directory.GetFiles(folder).Select(Path.GetFileName).Order());
        var adapter = PeftAdapter.Open(folder);
        Assert.Equal(2, adapter.Modules.Count);
        Assert.Equal("pt", adapter.Weights.Metadata["format"]);
        using var weights = adapter.OpenWeights();
        foreach (var spec in specs)
            Assert.Equal(values[spec.Name], weights.ReadFloat32(weights[spec.Name]));
    }

    [Fact]
    public void Write_RejectsTensorsThatDoNotFitTheConfig()
    {
        var folder = _dir.Combine("out");
        var config = AdapterConfig.Create("cfg.json", 4, 8, ["q_proj"]);
        var e = Assert.Throws<ArgumentException>(() => PeftAdapter.Write(folder, config, LoraSpecs(rank: 2, layers: 1).ToArray(), (_, _) => { }));
        Assert.Contains("has rank 2", e.Message);
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public void Write_FailureLeavesAnIncompleteFolder()
    {
        var folder = _dir.Combine("out");
        var config = AdapterConfig.Create(PeftAdapter.ConfigPathIn(folder), 2, 4, ["q_proj"]);
        var specs = LoraSpecs(rank: 2, layers: 1).ToArray();
        PeftAdapter.Write(folder, config, specs, (t, sink) => sink.WriteFloat32(new float[t.ElementCount]));
        Assert.True(PeftAdapter.IsComplete(folder));

        Assert.Throws<IOException>(() => PeftAdapter.Write(folder, config, specs, (_, _) => throw new IOException("disk full")));
        Assert.False(PeftAdapter.IsComplete(folder));
        Assert.Throws<BadInputException>(() => PeftAdapter.Open(folder));
    }

    [Fact]
    public void Open_MissingFiles()
    {
        var missing = _dir.Combine("nope");
        Assert.Equal($"{missing}: adapter folder does not exist", Assert.Throws<BadInputException>(() => PeftAdapter.Open(missing)).Message);

        var folder = _dir.Combine("a");
        Directory.CreateDirectory(folder);
        Assert.Equal($"{PeftAdapter.ConfigPathIn(folder)}: missing (an adapter folder holds adapter_config.json and adapter_model.safetensors)",
            Assert.Throws<BadInputException>(() => PeftAdapter.Open(folder)).Message);

        File.WriteAllText(PeftAdapter.ConfigPathIn(folder), "{\"peft_type\": \"LORA\"}");
        File.WriteAllText(Path.Combine(folder, "adapter_model.bin"), "pickle");
        Assert.Equal($"{PeftAdapter.WeightsPathIn(folder)}: missing; the folder has adapter_model.bin, which is not read (convert it to safetensors)",
            Assert.Throws<BadInputException>(() => PeftAdapter.Open(folder)).Message);
    }

    [Theory]
    [InlineData("m.lora_A.weight:F32:2,8", "tensor 'm.lora_A.weight' has no matching lora_B.weight")]
    [InlineData("m.lora_A.weight:F32:2,8|m.lora_B.weight:F32:8,3", "tensor 'm.lora_B.weight' has rank 3 (shape [8, 3]) but m.lora_A.weight has rank 2 (shape [2, 8])")]
    [InlineData("m.lora_A.weight:F32:4,8|m.lora_B.weight:F32:8,4", "tensor 'm.lora_A.weight' has rank 4 (shape [4, 8]) but")]
    [InlineData("m.lora_A.weight:I32:2,8|m.lora_B.weight:F32:8,2", "tensor 'm.lora_A.weight' is I32, expected F32, F16 or BF16")]
    [InlineData("m.lora_A.weight:F32:16|m.lora_B.weight:F32:8,2", "tensor 'm.lora_A.weight' has shape [16], expected at least two dimensions")]
    [InlineData("m.lora_A.default.weight:F32:2,8", "tensor 'm.lora_A.default.weight' is not a PEFT LoRA key")]
    [InlineData("m.lora_A.weight:F32:2,8|m.lora_B.weight:F32:8,2|lm_head.weight:F32:4", "tensor 'lm_head.weight' is neither a LoRA weight")]
    [InlineData("lm_head.weight:F32:4", "tensor 'lm_head.weight' is neither a LoRA weight")]
    [InlineData("", "no LoRA weights (no tensor name ends in .lora_A.weight)")]
    public void Open_RejectsBadWeights(string tensors, string problem)
    {
        var folder = MakeAdapter("a", "{\"peft_type\": \"LORA\", \"r\": 2}", tensors);
        var e = Assert.Throws<BadInputException>(() => PeftAdapter.Open(folder));
        Assert.StartsWith($"{PeftAdapter.WeightsPathIn(folder)}: {problem}", e.Message);
    }

    [Fact]
    public void Open_AcceptsExplainedExtrasAndRankPatterns()
    {
        var folder = MakeAdapter("a",
            "{\"peft_type\": \"LORA\", \"r\": 2, \"bias\": \"lora_only\", \"modules_to_save\": [\"score\"], \"rank_pattern\": {\"k_proj\": 4}}",
            "q.lora_A.weight:F32:2,8|q.lora_B.weight:F32:8,2|q.lora_B.bias:F32:8|k_proj.lora_A.weight:BF16:4,8|k_proj.lora_B.weight:BF16:8,4"
            + "|base_model.model.score.weight:F32:3,8|emb.lora_embedding_A:F16:2,100|emb.lora_embedding_B:F16:8,2");
        var adapter = PeftAdapter.Open(folder);
        Assert.Equal(["q", "k_proj", "emb"], adapter.Modules.Select(m => m.Name));
        Assert.Equal([2L, 4L, 2L], adapter.Modules.Select(m => m.Rank));
    }

    [Fact]
    public void Bank_ConsistentAdaptersPass()
    {
        const string tensors = "m.lora_A.weight:F32:2,8|m.lora_B.weight:F32:8,2";
        var folders = Enumerable.Range(0, 3).Select(i => MakeAdapter($"t{i}", "{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 4}", tensors)).ToArray();
        Assert.Equal(3, AdapterBank.CheckConsistent(folders).Count);
    }

    [Theory]
    [InlineData("m.lora_A.weight:F32:2,8|m.lora_B.weight:F32:8,2", "m.lora_A.weight:F32:2,6|m.lora_B.weight:F32:8,2",
        "tensor 'm.lora_A.weight' has shape [2, 6] but [2, 8] in {first}")]
    [InlineData("m.lora_A.weight:F32:2,8|m.lora_B.weight:F32:8,2", "m.lora_A.weight:BF16:2,8|m.lora_B.weight:F32:8,2",
        "tensor 'm.lora_A.weight' is BF16 but F32 in {first}")]
    [InlineData("m.lora_A.weight:F32:2,8|m.lora_B.weight:F32:8,2|n.lora_A.weight:F32:2,8|n.lora_B.weight:F32:8,2", "m.lora_A.weight:F32:2,8|m.lora_B.weight:F32:8,2",
        "tensor 'n.lora_A.weight' is missing but {first} has it")]
    [InlineData("m.lora_A.weight:F32:2,8|m.lora_B.weight:F32:8,2", "m.lora_A.weight:F32:2,8|m.lora_B.weight:F32:8,2|x.lora_A.weight:F32:2,8|x.lora_B.weight:F32:8,2",
        "tensor 'x.lora_A.weight' is not in {first}")]
    public void Bank_TensorMismatchNamesBothFiles(string firstTensors, string otherTensors, string problem)
    {
        const string config = "{\"peft_type\": \"LORA\", \"r\": 2}";
        var first = MakeAdapter("first", config, firstTensors);
        var same = MakeAdapter("same", config, firstTensors);
        var other = MakeAdapter("other", config, otherTensors);
        var e = Assert.Throws<BadInputException>(() => AdapterBank.CheckConsistent([first, same, other]));
        Assert.Equal($"{PeftAdapter.WeightsPathIn(other)}: {problem.Replace("{first}", PeftAdapter.WeightsPathIn(first))}", e.Message);
    }

    [Theory]
    [InlineData("\"lora_alpha\": 8", "\"lora_alpha\": 16", "\"lora_alpha\" is 16 but 8 in {first}")]
    [InlineData("\"use_rslora\": false", "\"use_rslora\": true", "\"use_rslora\" is true but false in {first}")]
    [InlineData("\"fan_in_fan_out\": false", "\"fan_in_fan_out\": true", "\"fan_in_fan_out\" is true but false in {first}")]
    [InlineData("\"alpha_pattern\": {}", "\"alpha_pattern\": {\"m\": 2}", "\"alpha_pattern\" is {m: 2} but {} in {first}")]
    public void Bank_ScalingMismatchNamesBothConfigs(string firstField, string otherField, string problem)
    {
        const string tensors = "m.lora_A.weight:F32:2,8|m.lora_B.weight:F32:8,2";
        var first = MakeAdapter("first", $"{{\"peft_type\": \"LORA\", \"r\": 2, {firstField}}}", tensors);
        var other = MakeAdapter("other", $"{{\"peft_type\": \"LORA\", \"r\": 2, {otherField}}}", tensors);
        var e = Assert.Throws<BadInputException>(() => AdapterBank.CheckConsistent([first, other]));
        Assert.Equal($"{PeftAdapter.ConfigPathIn(other)}: {problem.Replace("{first}", PeftAdapter.ConfigPathIn(first))}", e.Message);
    }

    [Fact]
    public void Bank_InvalidMemberIsReportedByItsOwnFile()
    {
        var good = MakeAdapter("good", "{\"peft_type\": \"LORA\", \"r\": 2}", "m.lora_A.weight:F32:2,8|m.lora_B.weight:F32:8,2");
        var bad = MakeAdapter("bad", "{\"peft_type\": \"LORA\", \"r\": 2}", "m.lora_A.weight:F32:2,8|m.lora_B.weight:F32:8,2");
        File.WriteAllBytes(PeftAdapter.WeightsPathIn(bad), [1, 2, 3]);
        var e = Assert.Throws<BadInputException>(() => AdapterBank.CheckConsistent([good, bad]));
        Assert.StartsWith($"{PeftAdapter.WeightsPathIn(bad)}: file is 3 bytes", e.Message);
    }

    private static AdapterConfig Parse(string json) => AdapterConfig.Parse("cfg.json", Encoding.UTF8.GetBytes(json));

    private static IEnumerable<TensorSpec> LoraSpecs(int rank, int layers)
    {
        for (var layer = 0; layer < layers; layer++)
        {
            var prefix = $"base_model.model.model.layers.{layer}.self_attn.q_proj";
            yield return new TensorSpec($"{prefix}.lora_A.weight", TensorDType.F32, [rank, 6]);
            yield return new TensorSpec($"{prefix}.lora_B.weight", TensorDType.F32, [10, rank]);
        }
    }

    /// <summary>An adapter folder from a config and "name:DTYPE:d0,d1|..." tensors (zero-filled, written raw).</summary>
    private string MakeAdapter(string name, string configJson, string tensors)
    {
        var folder = _dir.Combine(name);
        Directory.CreateDirectory(folder);
        File.WriteAllText(PeftAdapter.ConfigPathIn(folder), configJson);
        var specs = tensors.Split('|', StringSplitOptions.RemoveEmptyEntries).Select(item =>
        {
            var parts = item.Split(':');
            Assert.True(Safetensors.TryParseDType(parts[1], out var dtype));
            return new TensorSpec(parts[0], dtype, parts[2].Split(',').Select(long.Parse).ToArray());
        }).ToArray();
        SafetensorsWriter.Write(PeftAdapter.WeightsPathIn(folder), specs, (t, sink) => sink.Write(new byte[t.ByteLength]));
        return folder;
    }
}
