using MetaLora.IO;
using MetaLora.Study;

namespace MetaLora.Tests.Study;

/// <summary>The study's combiner, baseline and bank-initialisation arguments and the stages they add.</summary>
public sealed class CombineStudyOptionsTests
{
    private static StageGraph Graph(params string[] args) =>
        new(StudyOptions.FromCommandLine(["--target=Report", "--metric=KL", .. args]));

    [Theory]
    [InlineData("--combine=sum", "unknown combiner 'sum'; valid combiners: paper, linear-sqrt, delta, all (comma-separated)")]
    [InlineData("--top-k=0", "--top-k=0: expected a whole number >= 1 or all")]
    [InlineData("--combine-rank=x", "--combine-rank=x: expected a whole number >= 1")]
    [InlineData("--baseline=best", "unknown baseline 'best'; valid baselines: uniform, nearest, all, none (comma-separated)")]
    [InlineData("--adapter-init=random", "unknown adapter init 'random'; valid: shared, per-task")]
    public void Invalid_values_fail_with_one_line(string argument, string message)
    {
        string[] args = argument.StartsWith("--top-k", StringComparison.Ordinal) || argument.StartsWith("--combine-rank", StringComparison.Ordinal)
            ? ["--combine=delta", argument]
            : [argument];
        var e = Assert.Throws<BadInputException>(() => StudyOptions.FromCommandLine(args));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Rank_and_top_k_without_delta_are_refused()
    {
        var e = Assert.Throws<BadInputException>(() => StudyOptions.FromCommandLine(["--top-k=4"]));
        Assert.Equal("--combine-rank and --top-k set the delta combiner; add delta to --combine", e.Message);
    }

    [Fact]
    public void The_paper_stage_keeps_its_command_and_folder_and_other_combiners_get_their_own()
    {
        var paper = Graph().Stages.Single(s => s.Name == "Predict.KL.base_version");
        Assert.Equal(["predict", "--metric", "KL", "--model", "base_version", "--bank-dir", "data/embedded", "--data-dir", "data", "--limit", "0"], paper.Command);
        Assert.Equal(["data/predicted_adapters/KL/base_version/**"], paper.Outs);
        Assert.Equal("paper", paper.Params["combine"]);

        var graph = Graph("--combine=paper,delta", "--combine-rank=4", "--top-k=3", "--baseline=all");
        var delta = graph.Stages.Single(s => s.Name == "Predict.KL.base_version+delta");
        Assert.Equal(["data/predicted_adapters/KL/base_version+delta/**"], delta.Outs);
        Assert.Equal(["predict", "--metric", "KL", "--model", "base_version", "--combine", "delta", "--combine-rank", "4", "--top-k", "3",
                      "--bank-dir", "data/embedded", "--data-dir", "data", "--limit", "0"], delta.Command);
        Assert.Equal(["base", "finetuned", "uniform", "uniform+delta", "nearest_KL", "KL_base_version", "KL_base_version+delta"],
            graph.Pipelines.Select(p => p.Name));
        Assert.Equal(["data/predicted_adapters/KL/nearest/**"], graph.Stages.Single(s => s.Name == "Predict.KL.nearest").Outs);
        Assert.Contains("Predict.uniform+delta", graph.Stages.Single(s => s.Name == "Infer.uniform+delta").Upstream);
    }

    [Fact]
    public void Infer_reads_the_predicted_weights_and_configs_not_the_sidecars()
    {
        using var dir = new TempDir();
        var folder = Path.Combine(dir.Path, "predicted_adapters", "KL", "base_version+delta");
        foreach (var task in new[] { "t0", "t1" })
        {
            Directory.CreateDirectory(Path.Combine(folder, task));
            foreach (var file in new[] { "adapter_config.json", "adapter_model.safetensors", "combine_report.json" })
                File.WriteAllText(Path.Combine(folder, task, file), "x");
        }
        var graph = new StageGraph(StudyOptions.FromCommandLine(["--target=Report", "--metric=KL", "--combine=delta", "--baseline=nearest", $"--data-dir={dir.Path}"]));
        var infer = graph.Stages.Single(s => s.Name == "Infer.KL_base_version+delta");
        var inputs = infer.Deps.SelectMany(Glob.Expand).Where(f => f.Contains("predicted_adapters", StringComparison.Ordinal)).Select(f => Path.GetRelativePath(folder, f).Replace('\\', '/'));
        Assert.Equal(["t0/adapter_config.json", "t0/adapter_model.safetensors", "t1/adapter_config.json", "t1/adapter_model.safetensors"], inputs.Order(StringComparer.Ordinal));
        // The Predict stage still owns the whole folder, sidecars included.
        Assert.Equal([$"{dir.Path.Replace('\\', '/')}/predicted_adapters/KL/base_version+delta/**"], graph.Stages.Single(s => s.Name == "Predict.KL.base_version+delta").Outs);
        Assert.DoesNotContain(graph.Stages.Single(s => s.Name == "Infer.nearest_KL").Deps, d => d.EndsWith("**", StringComparison.Ordinal));
    }

    [Fact]
    public void The_per_task_bank_has_its_own_folder_and_bank_stage()
    {
        var graph = new StageGraph(StudyOptions.FromCommandLine(["--target=Bank", "--adapter-init=per-task"]));
        var bank = graph.Group("Bank").Single();
        Assert.Equal("data/embedded-per-task", graph.Study.BankDir);
        Assert.Equal("per-task", bank.Params["adapter-init"]);
        Assert.Equal(["bank", "build", "--out", "data/embedded-per-task", "--adapter-init", "per-task"], bank.Command);
        Assert.False(new StageGraph(StudyOptions.FromCommandLine(["--target=Bank"])).Group("Bank").Single().Params.ContainsKey("adapter-init"));
        Assert.Throws<BadInputException>(() => StudyOptions.FromCommandLine(["--adapter-init=per-task", "--bank=lots-of-loras"]));
    }
}
