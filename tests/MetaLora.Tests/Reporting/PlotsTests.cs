using System.Buffers.Binary;
using MetaLora.Reporting;

namespace MetaLora.Tests.Reporting;

public sealed class PlotsTests
{
    private static readonly PipelineMean[] Rows =
    [
        new("base", 0.41, 0.02),
        new("uniform-average", 0.47, 0.03),
        new("mmd-coefficients", 0.52, 0.025),
        new("oracle", double.NaN, double.NaN),
        new("single-run", 0.55, double.NaN),
        new("a-rather-long-pipeline-name-that-needs-rotated-labels", 0.30, 0.05),
    ];

    private static readonly TaskPoint[] Points =
    [
        new("task001_qa", 0.31, 0.35),
        new("task002_summaries", 0.52, 0.50),
        new("task003_translation", 0.78, 0.80),
        new("task004_classification", 0.66, 0.71),
    ];

    [Fact]
    public void MeanScores_writes_a_png_with_missing_and_highlighted_bars()
    {
        using var dir = new TempDir();
        var path = dir["bars.png"];
        Plots.MeanScores(path, "Mean Rouge-L", "Rouge-L", Rows, new HashSet<string> { "mmd-coefficients" });
        AssertPng(path, 1000, 600);
        Assert.Equal(["bars.png"], Directory.GetFiles(dir.Path).Select(Path.GetFileName)); // no temp file left
    }

    [Fact]
    public void MeanScores_with_every_pipeline_missing_still_draws_an_empty_chart()
    {
        using var dir = new TempDir();
        Plots.MeanScores(dir["empty.png"], "t", "y", [new("a", double.NaN, 0.1), new("b", double.NaN, double.NaN)]);
        AssertPng(dir["empty.png"], 1000, 600);
    }

    [Fact]
    public void Heatmap_writes_a_png_with_named_and_with_index_ticks()
    {
        using var dir = new TempDir();
        Plots.Heatmap(dir["named.png"], "Coefficients", Tasks(5), Matrix(5));
        AssertPng(dir["named.png"], 900, 800);
        Plots.Heatmap(dir["indexed.png"], "Coefficients", Tasks(57), Matrix(57));
        AssertPng(dir["indexed.png"], 900, 800);
    }

    [Fact]
    public void Scatter_writes_a_png()
    {
        using var dir = new TempDir();
        Plots.Scatter(dir["scatter.png"], "Predicted vs base", "base Rouge-L", "predicted Rouge-L", Points);
        AssertPng(dir["scatter.png"], 800, 800);
        // A single point (zero range) is still a valid plot.
        Plots.Scatter(dir["one.png"], "one", "x", "y", [new("t", 0.5, 0.5)]);
        AssertPng(dir["one.png"], 800, 800);
    }

    [Fact]
    public void Same_inputs_give_identical_bytes()
    {
        using var dir = new TempDir();
        var highlight = new HashSet<string> { "base" };
        Plots.MeanScores(dir["a1.png"], "t", "y", Rows, highlight);
        Plots.MeanScores(dir["a2.png"], "t", "y", Rows, highlight);
        Plots.Heatmap(dir["b1.png"], "t", Tasks(7), Matrix(7));
        Plots.Heatmap(dir["b2.png"], "t", Tasks(7), Matrix(7));
        Plots.Scatter(dir["c1.png"], "t", "x", "y", Points);
        Plots.Scatter(dir["c2.png"], "t", "x", "y", Points);
        foreach (var name in new[] { "a", "b", "c" })
            Assert.Equal(File.ReadAllBytes(dir[name + "1.png"]), File.ReadAllBytes(dir[name + "2.png"]));

        // Different data must show: guards against the comparison above passing on blank images.
        Plots.Scatter(dir["c3.png"], "t", "x", "y", [.. Points, new("extra", 0.1, 0.9)]);
        Assert.NotEqual(File.ReadAllBytes(dir["c1.png"]), File.ReadAllBytes(dir["c3.png"]));
    }

    [Fact]
    public void Rendering_again_replaces_the_file()
    {
        using var dir = new TempDir();
        var path = dir.Write("s.png", "old");
        Plots.Scatter(path, "t", "x", "y", Points);
        AssertPng(path, 800, 800);
    }

    [Fact]
    public void MeanScores_rejects_bad_input()
    {
        using var dir = new TempDir();
        var path = dir["bad.png"];
        Assert.Throws<ArgumentException>(() => Plots.MeanScores(path, "t", "y", []));
        Assert.Throws<ArgumentException>(() => Plots.MeanScores(path, "t", "y", [new("a", 1, 0), new("a", 2, 0)]));
        Assert.Throws<ArgumentException>(() => Plots.MeanScores(path, "t", "y", [new("", 1, 0)]));
        Assert.Throws<ArgumentException>(() => Plots.MeanScores(path, "t", "y", [new("a", double.PositiveInfinity, 0)]));
        Assert.Throws<ArgumentException>(() => Plots.MeanScores(path, "t", "y", [new("a", 1, -0.1)]));
        Assert.Throws<ArgumentException>(() => Plots.MeanScores(path, "t", "y", [new("a", 1, double.PositiveInfinity)]));
        var unknown = Assert.Throws<ArgumentException>(() => Plots.MeanScores(path, "t", "y", [new("a", 1, 0)], new HashSet<string> { "b" }));
        Assert.Contains("b", unknown.Message);
        Assert.Throws<ArgumentException>(() => Plots.MeanScores(" ", "t", "y", [new("a", 1, 0)]));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Heatmap_rejects_bad_input()
    {
        using var dir = new TempDir();
        var path = dir["bad.png"];
        Assert.Throws<ArgumentException>(() => Plots.Heatmap(path, "t", [], []));
        Assert.Throws<ArgumentException>(() => Plots.Heatmap(path, "t", Tasks(3), Matrix(2)));
        var ragged = Matrix(3);
        ragged[1] = [0.5, 0.5];
        var notSquare = Assert.Throws<ArgumentException>(() => Plots.Heatmap(path, "t", Tasks(3), ragged));
        Assert.Contains("square", notSquare.Message);
        var withNaN = Matrix(3);
        withNaN[2][0] = double.NaN;
        Assert.Throws<ArgumentException>(() => Plots.Heatmap(path, "t", Tasks(3), withNaN));
        var withNull = Matrix(3);
        withNull[0] = null!;
        Assert.Throws<ArgumentException>(() => Plots.Heatmap(path, "t", Tasks(3), withNull));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Scatter_rejects_bad_input()
    {
        using var dir = new TempDir();
        var path = dir["bad.png"];
        Assert.Throws<ArgumentException>(() => Plots.Scatter(path, "t", "x", "y", []));
        Assert.Throws<ArgumentException>(() => Plots.Scatter(path, "t", "x", "y", [new("a", double.NaN, 0.5)]));
        Assert.Throws<ArgumentException>(() => Plots.Scatter(path, "t", "x", "y", [new("a", 0.5, double.NegativeInfinity)]));
        Assert.False(File.Exists(path));
    }

    private static string[] Tasks(int n) => [.. Enumerable.Range(0, n).Select(i => $"task{i:D3}_example_generation")];

    /// <summary>Rows sum to 1, no weight on the task itself, a pattern that differs between rows.</summary>
    private static double[][] Matrix(int n) =>
    [
        .. Enumerable.Range(0, n).Select(i =>
        {
            var row = Enumerable.Range(0, n).Select(j => j == i ? 0.0 : 1.0 + (i * 7 + j * 3) % 5).ToArray();
            var sum = row.Sum();
            return row.Select(v => v / sum).ToArray();
        }),
    ];

    private static void AssertPng(string path, int width, int height)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 33, $"{path} is only {bytes.Length} bytes");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        // The first chunk must be IHDR (13 bytes of data), which opens with width and height, big-endian.
        Assert.Equal(13u, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(8)));
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        Assert.Equal(width, (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(16)));
        Assert.Equal(height, (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(20)));
    }
}
