using MetaLora.Bank;
using MetaLora.Formats;
using MetaLora.Stages;
using MetaLora.Tests.Support;
using MetaLora.Distances;
using MetaLora.Layout;
using MetaLora.Prediction.Coefficients;
using MetaLora.Prediction.Coefficients.Mlp;
using MetaLora.Tests.Prediction;

namespace MetaLora.Tests.Stages;

// Trains with torch (its thread count and generator are process-wide), so it runs alone.
[Collection(TorchState.Name)]
public sealed class DatasetAdapterTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(Metric.KL, CoefficientModel.BaseVersion)]
    [InlineData(Metric.JS, CoefficientModel.NormalizedVersion)]
    [InlineData(Metric.WD, CoefficientModel.NormalizedVersion)]
    public void A_dataset_like_a_bank_task_draws_mostly_on_that_task_and_its_family(Metric metric, CoefficientModel model)
    {
        var tasks = FixtureBank.Create(_dir["bank"], tasks: 8, samples: 30);
        SyntheticAdapters.Write(_dir["bank/adapters"], tasks.Count, names: tasks);
        var bank = BankInfo.Load(_dir["bank"]);
        var mine = _dir["mine.jsonl"];
        File.Copy(Path.Combine(bank.DatasetDir(tasks[5]), "train.jsonl"), mine);

        var options = new DatasetAdapter.Options(metric, model, new MlpOptions { Hidden = 16 }, 0, 0);
        var result = DatasetAdapter.Run(mine, bank, new DataLayout(_dir["data"]), _dir["out"], options);

        Assert.Equal(1.0, result.Contributions.Sum(c => c.Weight), 1e-9);
        Assert.Equal(tasks.Count, result.Contributions.Count);
        Assert.True(PeftAdapter.IsComplete(_dir["out"]));
        Assert.True(File.Exists(Path.Combine(_dir["out"], DatasetAdapter.ReportFileName)));
        var top = result.Contributions[0].Task;
        // Same family = same index modulo the 4 families of the fixture bank.
        Assert.True(top == tasks[5] || top.EndsWith("_family1"), $"top contributor {top}");
        if (metric == Metric.KL) Assert.Equal(tasks[5], top);
    }

    // The fixture's adapters are random, so what f learns says nothing about families: check instead
    // that the mlp_version adapter is a complete, reproducible mixture of the bank.
    [Fact]
    public void Mlp_version_gives_a_reproducible_mixture_over_the_whole_bank()
    {
        var tasks = FixtureBank.Create(_dir["bank"], tasks: 8, samples: 30);
        SyntheticAdapters.Write(_dir["bank/adapters"], tasks.Count, names: tasks);
        var bank = BankInfo.Load(_dir["bank"]);
        var mine = _dir["mine.jsonl"];
        File.Copy(Path.Combine(bank.DatasetDir(tasks[2]), "train.jsonl"), mine);
        var options = new DatasetAdapter.Options(Metric.WD, CoefficientModel.MlpVersion, new MlpOptions { Hidden = 16, Seed = 3 }, 0, 0);

        var first = DatasetAdapter.Run(mine, bank, new DataLayout(_dir["data"]), _dir["out1"], options);
        var second = DatasetAdapter.Run(mine, bank, new DataLayout(_dir["data"]), _dir["out2"], options);

        Assert.Equal(tasks.Count, first.Contributions.Count);
        Assert.Equal(1.0, first.Contributions.Sum(c => c.Weight), 1e-9);
        Assert.All(first.Contributions, c => Assert.True(c.Weight > 0, $"{c.Task} has weight {c.Weight}"));
        Assert.Equal(first.Contributions, second.Contributions);
        const string weights = PeftAdapter.WeightsFileName;
        Assert.Equal(File.ReadAllBytes(Path.Combine(_dir["out1"], weights)), File.ReadAllBytes(Path.Combine(_dir["out2"], weights)));
        var bankKeys = PeftAdapter.Open(bank.AdapterDir(tasks[0])).Weights.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal);
        var outKeys = PeftAdapter.Open(_dir["out1"]).Weights.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal);
        Assert.Equal(bankKeys, outKeys);
    }

    [Fact]
    public void Mlp_version_applies_the_f_the_pipeline_trained_while_it_is_current()
    {
        var tasks = FixtureBank.Create(_dir["bank"], tasks: 6, samples: 20);
        SyntheticAdapters.Write(_dir["bank/adapters"], tasks.Count, names: tasks);
        var bank = BankInfo.Load(_dir["bank"]);
        var layout = new DataLayout(_dir["data"]);
        var mlp = new MlpOptions { Hidden = 8, Seed = 5 };
        TokenizeStage.Run(bank, layout, 0, force: false);
        DistancesStage.Run(bank, layout, Metric.JS, 0, 0);
        PredictStages.Gram(bank, layout, 0);
        PredictStages.Coefficients(bank, layout, Metric.JS, CoefficientModel.MlpVersion, 0, mlp);
        var trained = layout.CoefficientsDir("JS", "mlp_version");
        Assert.True(File.Exists(Path.Combine(trained, TrainedMlp.WeightsFileName)));
        var mine = _dir["mine.jsonl"];
        File.Copy(Path.Combine(bank.DatasetDir(tasks[1]), "train.jsonl"), mine);
        var options = new DatasetAdapter.Options(Metric.JS, CoefficientModel.MlpVersion, mlp, 0, 0);

        var reused = DatasetAdapter.Run(mine, bank, layout, _dir["out1"], options);
        Assert.Equal(Path.Combine(trained, TrainedMlp.WeightsFileName), reused.MlpSource);

        // Another hidden width is another f: trained afresh.
        var other = DatasetAdapter.Run(mine, bank, layout, _dir["out2"], options with { Mlp = mlp with { Hidden = 4 } });
        Assert.StartsWith("trained now on 4 of 6", other.MlpSource);

        // A changed adapter invalidates the saved f; training again with the same seed gives the same f.
        File.SetLastWriteTimeUtc(PeftAdapter.WeightsPathIn(bank.AdapterDir(tasks[3])), new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var retrained = DatasetAdapter.Run(mine, bank, layout, _dir["out3"], options);
        Assert.StartsWith("trained now", retrained.MlpSource);
        Assert.Equal(reused.Contributions, retrained.Contributions);

        // The other engine's f differs in its last bits: it is trained afresh, and a pipeline that
        // trained with that engine leaves an f that it reuses (float32, as the dense engine keeps it).
        var dense = options with { Mlp = mlp with { Engine = MlpEngine.Dense } };
        var denseNow = DatasetAdapter.Run(mine, bank, layout, _dir["out4"], dense);
        Assert.StartsWith("trained now", denseNow.MlpSource);
        PredictStages.Coefficients(bank, layout, Metric.JS, CoefficientModel.MlpVersion, 0, dense.Mlp);
        var denseReused = DatasetAdapter.Run(mine, bank, layout, _dir["out5"], dense);
        Assert.Equal(Path.Combine(trained, TrainedMlp.WeightsFileName), denseReused.MlpSource);
        Assert.Equal(denseNow.Contributions, denseReused.Contributions);
        Assert.Contains("float32", File.ReadAllText(Path.Combine(trained, TrainedMlp.KeyFileName)));
        Assert.StartsWith("trained now", DatasetAdapter.Run(mine, bank, layout, _dir["out6"], options).MlpSource);
    }
}
