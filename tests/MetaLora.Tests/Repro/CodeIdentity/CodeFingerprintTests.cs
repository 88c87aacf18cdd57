using MetaLora.Repro.CodeIdentity;
using MetaLora.Study;


namespace MetaLora.Tests.Repro.CodeIdentity;

/// <summary>The code identity of each stage, derived from the tool's real build (the assemblies beside the tests).</summary>
public sealed class CodeFingerprintTests
{
    private static readonly Lazy<Dictionary<string, SortedDictionary<string, string>>> Fingerprints = new(() =>
    {
        using var code = CodeBase.Load(AppContext.BaseDirectory);
        return StageFingerprints.Of(code);
    });

    private static IReadOnlyCollection<string> Files(string stage) => Fingerprints.Value[stage].Keys;

    [Fact]
    public void Every_stage_verb_has_an_entry_and_a_fingerprint_of_files_packages_and_runtime()
    {
        foreach (var (stage, fingerprint) in Fingerprints.Value)
        {
            Assert.Contains(fingerprint.Keys, k => k.StartsWith("src/MetaLora/", StringComparison.Ordinal));
            Assert.Contains(fingerprint.Keys, k => k.StartsWith("src/MetaLora.Cli/", StringComparison.Ordinal));
            Assert.Contains("package:System.CommandLine", fingerprint.Keys);
            Assert.Equal($".NET {Environment.Version}", fingerprint["runtime"]);
            Assert.All(fingerprint, e => Assert.False(string.IsNullOrEmpty(e.Value), $"{stage}: {e.Key}"));
        }
    }

    [Fact]
    public void The_files_hand_written_lists_missed_are_covered()
    {
        foreach (var stage in new[] { "Tokenize", "Infer.base", "Evaluate" })
        {
            Assert.Contains("src/MetaLora/Formats/Utf8Lines.cs", Files(stage));
            Assert.Contains("src/MetaLora/Formats/JsonText.cs", Files(stage));
        }
        foreach (var file in new[] { "Safetensors.cs", "LoraKeys.cs" })
            Assert.Contains($"src/MetaLora/Formats/{file}", Files("Bank.embedded"));
        // The bank writes its fp32 weights as raw bytes; the mixer converts to the bank's dtype.
        Assert.DoesNotContain("src/MetaLora/Formats/HalfPrecision.cs", Files("Bank.embedded"));
        Assert.Contains("src/MetaLora/Formats/HalfPrecision.cs", Files("Predict.KL.base_version"));
        Assert.Contains("src/MetaLora/Tokenization/TokenizerFactory.cs", Files("Bank.embedded"));
        Assert.Contains("src/MetaLora/Prediction/Coefficients/Mlp/MlpCheckpoint.cs", Files("Coefficients.KL.mlp_version"));
        Assert.Contains("src/MetaLora/Distances/Lanes.cs", Files("Distances.KL"));
        // Benchmarks are not part of any stage.
        Assert.All(Fingerprints.Value, f => Assert.DoesNotContain(f.Value.Keys, k => k.Contains("Benchmark", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_stage_parameter_selects_its_alternative_and_leaves_the_others_out()
    {
        foreach (var metric in new[] { "WD", "KL", "JS", "MMD" })
            foreach (var other in new[] { "WD", "KL", "JS", "MMD" })
                Assert.Equal(metric == other, Files($"Distances.{metric}").Contains($"src/MetaLora/Distances/{other}.cs"));
        Assert.DoesNotContain("src/MetaLora/Prediction/Coefficients/NormalizedVersion.cs", Files("Coefficients.KL.base_version"));
        Assert.Contains("src/MetaLora/Prediction/Coefficients/NormalizedVersion.cs", Files("Coefficients.KL.normalized_version"));
        // mlp_version standardises rows as normalized_version does: one alternative may call another.
        Assert.Contains("src/MetaLora/Prediction/Coefficients/NormalizedVersion.cs", Files("Coefficients.KL.mlp_version"));
        // mlp_version's engine is a stage parameter too: each engine's stages depend on its own code only.
        string[] sweep = ["SweepPass.cs", "SweepKernels.cs", "SweepMlp.cs", "SweepInputs.cs", "SweepTrainer.cs", "AdamMoments.cs"];
        foreach (var file in sweep)
        {
            Assert.Contains($"src/MetaLora/Prediction/Coefficients/Mlp/Sweep/{file}", Files("Coefficients.KL.mlp_version"));
            Assert.DoesNotContain($"src/MetaLora/Prediction/Coefficients/Mlp/Sweep/{file}", Files("Coefficients.KL.mlp_version.dense"));
        }
        Assert.DoesNotContain("src/MetaLora/Prediction/Coefficients/Mlp/Dense/DenseMlp.cs", Files("Coefficients.KL.mlp_version"));
        Assert.Contains("src/MetaLora/Prediction/Coefficients/Mlp/Dense/DenseMlp.cs", Files("Coefficients.KL.mlp_version.dense"));
        foreach (var shared in new[] { "MlpVersion.cs", "Mlp/CoefficientMlp.cs", "Mlp/MlpCheckpoint.cs", "Mlp/GramLoss.cs" })
            Assert.Contains($"src/MetaLora/Prediction/Coefficients/{shared}", Files("Coefficients.KL.mlp_version.dense"));
        foreach (var model in new[] { "base_version", "normalized_version" })
            Assert.DoesNotContain(Files($"Coefficients.KL.{model}"), f => f.Contains("Sweep", StringComparison.Ordinal) || f.Contains("DenseMlp", StringComparison.Ordinal));
        // The metric does not change the coefficient code: same identity for every metric.
        Assert.Equal(Fingerprints.Value["Coefficients.KL.base_version"], Fingerprints.Value["Coefficients.WD.base_version"]);
        // Histograms feed KL and JS, cumulative counts WD; MMD samples raw ids.
        Assert.DoesNotContain("src/MetaLora/Distances/Histogram.cs", Files("Distances.MMD"));
    }

    [Fact]
    public void The_infer_engine_selects_its_code_and_the_local_one_is_the_default()
    {
        // Local Infer stages do not name the engine (their parameters are as before engines existed):
        // they reach the local engine and nothing of the server client, and vice versa.
        Assert.DoesNotContain("engine", StageFingerprints.AllStages().Single(s => s.Name == "Infer.base").Params.Keys);
        foreach (var stage in new[] { "Infer.base", "Infer.finetuned", "Infer.KL_base_version" })
        {
            Assert.Contains("src/MetaLora/Inference/Local/LocalInfer.cs", Files(stage));
            Assert.Contains("src/MetaLora/Model/Generation.cs", Files(stage));
            Assert.DoesNotContain(Files(stage), f => f.StartsWith("src/MetaLora/Inference/OpenAi/", StringComparison.Ordinal));
            Assert.DoesNotContain("package:Polly.Core", Files(stage));
        }
        foreach (var stage in new[] { "Infer.base@openai", "Infer.finetuned@openai" })
        {
            Assert.Contains("src/MetaLora/Inference/OpenAi/OpenAiInfer.cs", Files(stage));
            Assert.Contains("src/MetaLora/Inference/OpenAi/OpenAiClient.cs", Files(stage));
            Assert.Contains("package:Polly.Core", Files(stage));
            Assert.DoesNotContain("src/MetaLora/Inference/Local/LocalInfer.cs", Files(stage));
            Assert.DoesNotContain(Files(stage), f => f.StartsWith("src/MetaLora/Model/", StringComparison.Ordinal));
            Assert.DoesNotContain(Files(stage), f => f.StartsWith("package:TorchSharp", StringComparison.Ordinal) || f.StartsWith("native:", StringComparison.Ordinal));
            // lora serve is not part of any stage.
            Assert.DoesNotContain("src/MetaLora/Serving/ModelServer.cs", Files(stage));
        }
        // The endpoint and the other server arguments are parameters, not code: the same code either way.
        Assert.Equal(Fingerprints.Value["Infer.base@openai"], Fingerprints.Value["Infer.finetuned@openai"]);
        Assert.Equal(Fingerprints.Value["Infer.base"], Fingerprints.Value["Infer.finetuned"]);
    }

    [Fact]
    public void Stages_that_call_torch_name_its_packages_and_native_libraries()
    {
        var infer = Fingerprints.Value["Infer.base"];
        Assert.Equal("0.107.0", infer["package:TorchSharp"]);
        Assert.Contains(infer.Keys, k => k.StartsWith("native:libtorch_cpu", StringComparison.Ordinal));
        Assert.DoesNotContain(Fingerprints.Value["Distances.KL"].Keys, k => k.StartsWith("package:TorchSharp", StringComparison.Ordinal));
    }

    [Fact]
    public void Embedded_resources_the_code_reads_are_part_of_its_identity()
    {
        Assert.Contains("resource:MetaLora.Bank.lots-of-loras-502.tsv", Files("Bank"));
        Assert.DoesNotContain("resource:MetaLora.Bank.lots-of-loras-502.tsv", Files("Distances.KL"));
    }

    [Fact]
    public void Identities_are_remembered_per_build_and_read_back_the_same()
    {
        using var dir = new TempDir();
        var stages = StageFingerprints.AllStages();
        var readOnly = StageCode.ForTool(AppContext.BaseDirectory, dir["code"], writeCache: false);
        Assert.Equal(Fingerprints.Value["Distances.KL"], readOnly.Of(stages.Single(s => s.Name == "Distances.KL")));
        Assert.False(Directory.Exists(dir["code"]));

        var first = StageCode.ForTool(AppContext.BaseDirectory, dir["code"]);
        var fresh = stages.ToDictionary(s => s.Name, first.Of);
        var file = Assert.Single(Directory.GetFiles(dir["code"]));
        // A new process reads the file instead of the IL: same identities, and the file says so.
        var second = StageCode.ForTool(AppContext.BaseDirectory, dir["code"]);
        foreach (var stage in stages) Assert.Equal(fresh[stage.Name], second.Of(stage));
        Assert.Equal(Fingerprints.Value["Infer.base"], fresh["Infer.base"]);
        Assert.Contains("\"infer\"", File.ReadAllText(file));
        // A damaged file only costs reading the IL again.
        File.WriteAllText(file, "{ not json");
        Assert.Equal(fresh["Distances.JS"], StageCode.ForTool(AppContext.BaseDirectory, dir["code"]).Of(stages.Single(s => s.Name == "Distances.JS")));
    }

    [Fact]
    public void Fingerprints_are_the_same_when_computed_again()
    {
        using var code = CodeBase.Load(AppContext.BaseDirectory);
        Assert.Equal(Fingerprints.Value, StageFingerprints.Of(code));
    }
}
