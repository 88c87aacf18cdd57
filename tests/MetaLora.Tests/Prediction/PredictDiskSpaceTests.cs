using MetaLora.Bank;
using MetaLora.Formats;
using MetaLora.Stages;
using MetaLora.Tests.Support;
using MetaLora.Distances;
using MetaLora.IO;
using MetaLora.Inference;
using MetaLora.Layout;
using MetaLora.Prediction.Coefficients;
using MetaLora.Prediction.Combining;
using MetaLora.Prediction.Combining.Delta;

namespace MetaLora.Tests.Prediction;

/// <summary>
/// Predict checks the free space before it writes: real banks and real outputs, with only the free
/// space of the disk assumed (one byte short of the need, then exactly the need).
/// </summary>
public sealed class PredictDiskSpaceTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly BankInfo _bank;
    private readonly DataLayout _layout;
    private readonly IReadOnlyList<string> _tasks;

    public PredictDiskSpaceTests()
    {
        var bankDir = _dir["bank"];
        _tasks = FixtureBank.Create(bankDir, tasks: 4);
        SyntheticAdapters.Write(Path.Combine(bankDir, "adapters"), _tasks.Count, rank: 2, names: _tasks);
        _bank = BankInfo.Load(bankDir);
        _layout = new DataLayout(_dir["data"]);
        var n = _tasks.Count;
        var distances = new double[n, n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
                distances[i, j] = i == j ? 0 : 1 + (i + 2 * j) % 3;
        MatrixCsv.Write(_layout.DistanceFile("KL"), _tasks, distances);
        MatrixCsv.Write(_layout.CoefficientFile("KL", "base_version"), _tasks, BaseVersion.Coefficients(distances));
    }

    public void Dispose() => _dir.Dispose();

    private string Folder(InferPipeline pipeline) => Path.GetDirectoryName(pipeline.AdapterDir(_bank, _layout, _tasks[0])!)!;

    /// <summary>The bytes of the adapters' weights and configs under <paramref name="folder"/> (sidecar notes and reports aside).</summary>
    private static long Written(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) is PeftAdapter.WeightsFileName or PeftAdapter.ConfigFileName)
            .Sum(f => new FileInfo(f).Length);

    private static Dictionary<string, byte[]> Contents(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllBytes);

    [Theory]
    [InlineData(CombinerNames.Paper, 0)]
    [InlineData(CombinerNames.LinearSqrt, 0)]
    [InlineData(CombinerNames.Delta, 1)]
    public void A_pass_that_does_not_fit_fails_before_writing_and_one_that_just_fits_writes_exactly_the_bytes_it_said(string name, int rank)
    {
        var combiner = CombinerNames.Parse(name).Single();
        var pipeline = InferPipeline.Predicted(Metric.KL, CoefficientModel.BaseVersion, combiner);
        var folder = Folder(pipeline);
        var delta = new DeltaOptions(rank);
        void Predict() => PredictStages.Predict(_bank, _layout, Metric.KL, CoefficientModel.BaseVersion, 0, combiner, delta);

        // The need, from a run on a disk that is big enough: what a pass writes.
        Predict();
        var need = Written(folder);
        Directory.Delete(_layout.PredictedAdaptersDir, recursive: true);

        // One byte short: one line naming the folder, the need and what is free; no folder made.
        using (DiskSpace.Assume(_ => need - 1))
        {
            var e = Assert.Throws<BadInputException>(Predict);
            Assert.Equal($"{folder}: not enough free space: 4 adapters of {DiskSpace.Format(need / 4)} need {DiskSpace.Format(need)}, only {DiskSpace.Format(need - 1)} free; " +
                         "free some space there or write the adapters to another disk; nothing was written", e.Message);
        }
        Assert.False(Directory.Exists(_layout.PredictedAdaptersDir));

        // Exactly enough: the pass runs.
        using (DiskSpace.Assume(_ => need))
            Predict();
        Assert.Equal(need, Written(folder));

        // A rerun needs the space again (the previous adapters go only once the new ones are complete);
        // refused, it leaves them as they were.
        var before = Contents(folder);
        using (DiskSpace.Assume(_ => need - 1))
            Assert.Throws<BadInputException>(Predict);
        Assert.Equal(before, Contents(folder));
    }

    [Fact]
    public void The_uniform_and_nearest_baselines_check_too()
    {
        var uniform = Folder(InferPipeline.Uniform(Combiner.Paper));
        var nearest = Folder(InferPipeline.Nearest(Metric.KL));
        using (DiskSpace.Assume(_ => 1000))
        {
            var e = Assert.Throws<BadInputException>(() => PredictStages.PredictUniform(_bank, _layout, 0));
            Assert.StartsWith($"{uniform}: not enough free space: 4 adapters of ", e.Message);
            e = Assert.Throws<BadInputException>(() => PredictStages.PredictNearest(_bank, _layout, Metric.KL, 0));
            // A copy of a bank adapter: its weights and config.
            var copy = new FileInfo(PeftAdapter.WeightsPathIn(_bank.AdapterDir(_tasks[0]))).Length + new FileInfo(PeftAdapter.ConfigPathIn(_bank.AdapterDir(_tasks[0]))).Length;
            Assert.StartsWith($"{nearest}: not enough free space: 4 adapters of {DiskSpace.Format(copy)} need {DiskSpace.Format(4 * copy)}, only 1000 B free", e.Message);
        }
        Assert.False(Directory.Exists(_layout.PredictedAdaptersDir));
        PredictStages.PredictNearest(_bank, _layout, Metric.KL, 0);
        Assert.Equal(4 * (new FileInfo(PeftAdapter.WeightsPathIn(_bank.AdapterDir(_tasks[0]))).Length + new FileInfo(PeftAdapter.ConfigPathIn(_bank.AdapterDir(_tasks[0]))).Length), Written(nearest));
    }

    [Fact]
    public void The_free_space_of_a_folder_not_made_yet_is_that_of_its_disk()
    {
        var free = DiskSpace.Free(_dir.Path);
        Assert.NotNull(free);
        Assert.True(free > 0);
        Assert.NotNull(DiskSpace.Free(Path.Combine(_dir.Path, "not", "made", "yet")));
    }
}
