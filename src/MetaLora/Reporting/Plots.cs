using System.Globalization;
using ScottPlot;
using SkiaSharp;
using MetaLora.IO;

namespace MetaLora.Reporting;

/// <summary>
/// PNG figures for the paper-reproduction report. Each call renders off-screen and writes the file
/// atomically; the same inputs give byte-identical files (no timestamps or other metadata are written,
/// and every layout choice is a function of the inputs only).
/// </summary>
internal static class Plots
{
    private const int BarsWidth = 1000, BarsHeight = 600;
    private const int HeatmapWidth = 900, HeatmapHeight = 800;
    private const int ScatterWidth = 800, ScatterHeight = 800;

    /// <summary>Beyond this many tasks the heatmap shows index ticks instead of names (names would overlap).</summary>
    private const int MaxNamedHeatmapTasks = 40;

    /// <summary>Tick labels longer than this are cut so they cannot squeeze the data area away.</summary>
    private const int MaxTickLabelChars = 32;

    /// <summary>Scatter points get their task name written beside them up to this many points.</summary>
    private const int MaxLabelledPoints = 20;

    private static readonly Color BarColor = Color.FromHex("#5B7FA8");
    private static readonly Color HighlightColor = Color.FromHex("#E07B39");
    private static readonly Color ErrorColor = Color.FromHex("#303030");
    private static readonly Color PointColor = Color.FromHex("#3A6EA5");
    private static readonly Color DiagonalColor = Color.FromHex("#808080");

    /// <summary>
    /// Bar chart: one bar per pipeline (x labels = pipeline names, rotated if needed), bar height = mean,
    /// error bar = std. Bars listed in <paramref name="highlight"/> get a different colour. A NaN mean means
    /// "missing": no bar is drawn and the label says so. A NaN std (e.g. a single run) draws no error bar.
    /// </summary>
    public static void MeanScores(string pngPath, string title, string yLabel, IReadOnlyList<PipelineMean> rows, IReadOnlySet<string>? highlight = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pngPath);
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(yLabel);
        ArgumentNullException.ThrowIfNull(rows);
        CheckBars(rows, highlight);

        using var plot = new Plot();
        var labels = new string[rows.Count];
        var (low, high) = AddBars(plot, rows, highlight, labels);

        var positions = Enumerable.Range(0, rows.Count).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.SetTicks(positions, labels);
        RotateIfCrowded(plot, labels, BarsWidth);
        plot.Axes.SetLimitsX(-0.6, rows.Count - 0.4);
        if (high == low) high = low + 1; // every bar missing or zero: keep a sensible empty axis
        var pad = 0.06 * (high - low);
        // Bars grow from zero, so zero stays on the edge rather than floating above a margin.
        plot.Axes.SetLimitsY(low < 0 ? low - pad : 0, high > 0 ? high + pad : 0);
        plot.Grid.XAxisStyle.IsVisible = false;

        plot.Title(title);
        plot.XLabel("pipeline");
        plot.YLabel(yLabel);
        Save(plot, pngPath, BarsWidth, BarsHeight);
    }

    /// <summary>Throws unless there is a row, every pipeline is named once, the values are usable and every highlight names a row.</summary>
    private static void CheckBars(IReadOnlyList<PipelineMean> rows, IReadOnlySet<string>? highlight)
    {
        if (rows.Count == 0) throw new ArgumentException("No pipelines to plot.", nameof(rows));

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (string.IsNullOrWhiteSpace(row.Pipeline)) throw new ArgumentException("A pipeline name is empty.", nameof(rows));
            if (!names.Add(row.Pipeline)) throw new ArgumentException($"Pipeline '{row.Pipeline}' appears twice.", nameof(rows));
            if (double.IsInfinity(row.Mean)) throw new ArgumentException($"Pipeline '{row.Pipeline}' has an infinite mean.", nameof(rows));
            if (!double.IsNaN(row.Mean) && (double.IsInfinity(row.Std) || row.Std < 0))
                throw new ArgumentException($"Pipeline '{row.Pipeline}' has std {Format(row.Std)}; it must be >= 0, or NaN for none.", nameof(rows));
        }
        if (highlight is not null)
        {
            // A highlight naming no bar is almost certainly a typo in the caller; say so rather than draw nothing.
            var unknown = highlight.Where(h => !names.Contains(h)).Order(StringComparer.Ordinal).ToList();
            if (unknown.Count > 0) throw new ArgumentException($"Highlighted pipelines not among the rows: {string.Join(", ", unknown)}.", nameof(highlight));
        }
    }

    /// <summary>A bar per row with a mean, each row's tick label into <paramref name="labels"/>; returns the lowest and highest bar ends (and 0).</summary>
    private static (double Low, double High) AddBars(Plot plot, IReadOnlyList<PipelineMean> rows, IReadOnlySet<string>? highlight, string[] labels)
    {
        var bars = new List<Bar>();
        double low = 0, high = 0;
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var name = Shorten(row.Pipeline);
            if (double.IsNaN(row.Mean))
            {
                labels[i] = name + " (missing)";
                continue;
            }
            labels[i] = name;
            var error = double.IsNaN(row.Std) ? 0 : row.Std;
            bars.Add(new Bar
            {
                Position = i,
                Value = row.Mean,
                Size = 0.7,
                Error = error,
                FillColor = highlight?.Contains(row.Pipeline) == true ? HighlightColor : BarColor,
                // ScottPlot draws the outline and the error bar with the same line.
                LineColor = ErrorColor,
                LineWidth = 1.2f,
            });
            low = Math.Min(low, row.Mean - error);
            high = Math.Max(high, row.Mean + error);
        }
        if (bars.Count > 0) plot.Add.Bars(bars);
        return (low, high);
    }

    /// <summary>
    /// Heatmap of an N x N coefficient matrix (row i = the task being adapted for), with a colour bar.
    /// Task names label the ticks when N &lt;= 40; larger matrices get index ticks. Row 0 is drawn at the top.
    /// </summary>
    public static void Heatmap(string pngPath, string title, IReadOnlyList<string> tasks, double[][] matrix)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pngPath);
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(matrix);
        var n = tasks.Count;
        if (n == 0) throw new ArgumentException("No tasks to plot.", nameof(tasks));
        if (tasks.Any(t => t is null)) throw new ArgumentException("A task name is null.", nameof(tasks));
        if (matrix.Length != n) throw new ArgumentException($"The matrix has {matrix.Length} rows but there are {n} tasks.", nameof(matrix));

        var (cells, min, max) = Cells(matrix, n);

        using var plot = new Plot();
        var heatmap = plot.Add.Heatmap(cells);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        // Cell (i, j) centred on x = j, y = n-1-i: the first row of the array is drawn at the top.
        heatmap.Extent = new CoordinateRect(-0.5, n - 0.5, -0.5, n - 0.5);
        // The colour scale includes zero so that "no weight" always reads as the same colour.
        heatmap.ManualRange = new ScottPlot.Range(min, max > min ? max : min + 1);
        var colorBar = plot.Add.ColorBar(heatmap);
        colorBar.Label = "coefficient";
        SetHeatmapTicks(plot, tasks);

        plot.Axes.SetLimits(-0.5, n - 0.5, -0.5, n - 0.5);
        plot.HideGrid();
        plot.Title(title);
        plot.XLabel(n <= MaxNamedHeatmapTasks ? "task whose adapter is weighted" : "task whose adapter is weighted (index)");
        plot.YLabel(n <= MaxNamedHeatmapTasks ? "task adapted for" : "task adapted for (index)");
        Save(plot, pngPath, HeatmapWidth, HeatmapHeight);
    }

    /// <summary>The matrix as n x n cells, checked square and finite, and its smallest and largest values (and 0).</summary>
    private static (double[,] Cells, double Min, double Max) Cells(double[][] matrix, int n)
    {
        var cells = new double[n, n];
        double min = 0, max = 0;
        for (var i = 0; i < n; i++)
        {
            var row = matrix[i] ?? throw new ArgumentException($"Matrix row {i} is null.", nameof(matrix));
            if (row.Length != n) throw new ArgumentException($"Matrix row {i} has {row.Length} values; a {n} x {n} (square) matrix is needed.", nameof(matrix));
            for (var j = 0; j < n; j++)
            {
                var v = row[j];
                if (!double.IsFinite(v)) throw new ArgumentException($"Matrix value [{i}][{j}] is {Format(v)}; all values must be finite.", nameof(matrix));
                cells[i, j] = v;
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }
        }
        return (cells, min, max);
    }

    /// <summary>Task names on both axes up to <see cref="MaxNamedHeatmapTasks"/>, else every so many indexes.</summary>
    private static void SetHeatmapTicks(Plot plot, IReadOnlyList<string> tasks)
    {
        var n = tasks.Count;
        if (n <= MaxNamedHeatmapTasks)
        {
            var labels = tasks.Select(Shorten).ToArray();
            var fontSize = n <= 12 ? 11f : n <= 25 ? 9f : 7f;
            plot.Axes.Bottom.SetTicks(Enumerable.Range(0, n).Select(j => (double)j).ToArray(), labels);
            plot.Axes.Left.SetTicks(Enumerable.Range(0, n).Select(i => (double)(n - 1 - i)).ToArray(), labels);
            plot.Axes.Bottom.TickLabelStyle.FontSize = fontSize;
            plot.Axes.Left.TickLabelStyle.FontSize = fontSize;
            Rotate(plot, labels, fontSize);
        }
        else
        {
            var step = IndexStep(n);
            var indexes = Enumerable.Range(0, (n - 1) / step + 1).Select(k => k * step).ToArray();
            var indexLabels = indexes.Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
            plot.Axes.Bottom.SetTicks(indexes.Select(j => (double)j).ToArray(), indexLabels);
            plot.Axes.Left.SetTicks(indexes.Select(i => (double)(n - 1 - i)).ToArray(), indexLabels);
        }
    }

    /// <summary>Scatter: one point per task (x = base score, y = predicted score) and the y = x diagonal.</summary>
    public static void Scatter(string pngPath, string title, string xLabel, string yLabel, IReadOnlyList<TaskPoint> points)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pngPath);
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(xLabel);
        ArgumentNullException.ThrowIfNull(yLabel);
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count == 0) throw new ArgumentException("No points to plot.", nameof(points));
        foreach (var p in points)
        {
            if (p.Task is null) throw new ArgumentException("A task name is null.", nameof(points));
            if (!double.IsFinite(p.X) || !double.IsFinite(p.Y))
                throw new ArgumentException($"Task '{p.Task}' has ({Format(p.X)}, {Format(p.Y)}); both scores must be finite.", nameof(points));
        }

        var xs = points.Select(p => p.X).ToArray();
        var ys = points.Select(p => p.Y).ToArray();
        var low = Math.Min(xs.Min(), ys.Min());
        var high = Math.Max(xs.Max(), ys.Max());
        if (high == low) { low -= 0.5; high += 0.5; }
        var pad = 0.05 * (high - low);
        low -= pad;
        high += pad;
        var above = points.Count(p => p.Y > p.X);

        using var plot = new Plot();
        var diagonal = plot.Add.Line(low, low, high, high);
        diagonal.LineColor = DiagonalColor;
        diagonal.LineWidth = 1.5f;
        diagonal.LinePattern = LinePattern.Dashed;
        diagonal.LegendText = "y = x";

        var markers = plot.Add.Markers(xs, ys, MarkerShape.FilledCircle, 7, PointColor.WithAlpha(0.8));
        markers.LegendText = $"tasks (n = {points.Count}, {above} above y = x)";

        if (points.Count <= MaxLabelledPoints)
        {
            foreach (var p in points)
            {
                var text = plot.Add.Text(Shorten(p.Task), p.X, p.Y);
                text.LabelFontSize = 9;
                text.LabelFontColor = Colors.Black.WithAlpha(0.75);
                // Names of points near the right edge go to their left so they are not cut off.
                var leftward = p.X > low + 0.75 * (high - low);
                text.LabelAlignment = leftward ? Alignment.LowerRight : Alignment.LowerLeft;
                text.OffsetX = leftward ? -5 : 5;
                text.OffsetY = -3;
            }
        }

        // Same range on both axes so the diagonal really is at 45 degrees.
        plot.Axes.SetLimits(low, high, low, high);
        plot.ShowLegend(Alignment.UpperLeft);
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        Save(plot, pngPath, ScatterWidth, ScatterHeight);
    }

    /// <summary>Rotates bar labels when they would not fit side by side under their bars.</summary>
    private static void RotateIfCrowded(Plot plot, string[] labels, int width)
    {
        var perLabel = (width - 150.0) / labels.Length;
        var fontSize = plot.Axes.Bottom.TickLabelStyle.FontSize;
        if (labels.Max(l => TextWidth(l, fontSize)) + 8 > perLabel) Rotate(plot, labels, fontSize);
    }

    /// <summary>Turns bottom tick labels 45 degrees (ending at their tick) and reserves room for the longest.</summary>
    private static void Rotate(Plot plot, string[] labels, float fontSize)
    {
        var style = plot.Axes.Bottom.TickLabelStyle;
        style.Rotation = -45;
        style.Alignment = Alignment.MiddleRight;
        var longest = labels.Max(l => TextWidth(l, fontSize));
        // The rotated label's vertical extent, plus room for the axis title below it.
        plot.Axes.Bottom.MinimumSize = (float)(longest * Math.Sin(Math.PI / 4)) + fontSize + 30;
    }

    /// <summary>Width of <paramref name="text"/> in pixels, measured with the font the plot will use.</summary>
    private static float TextWidth(string text, float fontSize)
    {
        using var font = new SKFont(Typeface.Value, fontSize);
        return font.MeasureText(text);
    }

    /// <summary>Index tick spacing for large heatmaps: a round step giving at most ~10 ticks.</summary>
    private static int IndexStep(int n)
    {
        foreach (var step in new[] { 1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000 })
            if (n / step <= 10) return step;
        return (int)Math.Ceiling(n / 10.0);
    }

    private static string Shorten(string label)
    {
        if (label.Length <= MaxTickLabelChars) return label;
        var cut = MaxTickLabelChars - 1;
        if (char.IsHighSurrogate(label[cut - 1])) cut--; // never split a surrogate pair
        return string.Concat(label.AsSpan(0, cut), "…");
    }

    private static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static void Save(Plot plot, string pngPath, int width, int height)
    {
        // Set last so it reaches every axis, title and colour bar added above.
        plot.Font.Set(FontFamily.Value);
        var png = plot.GetImageBytes(width, height, ImageFormat.Png);
        AtomicFile.WriteAllBytes(pngPath, png);
    }

    // ---- fonts ------------------------------------------------------------------------------------

    /// <summary>Families tried in order; the first installed one is used, so output does not depend on Skia's default pick.</summary>
    private static readonly string[] PreferredFamilies = ["DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial"];

    /// <summary>Files registered directly if the font manager does not list any preferred family.</summary>
    private static readonly (string Regular, string Bold)[] FontFiles =
    [
        ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
        ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    ];

    private const string FileFamily = "MetaLora Sans";

    private static readonly Lazy<string> FontFamily = new(ResolveFontFamily);

    private static readonly Lazy<SKTypeface> Typeface = new(() => Fonts.GetTypeface(FontFamily.Value, bold: false, italic: false) ?? SKTypeface.Default);

    private static string ResolveFontFamily()
    {
        foreach (var family in PreferredFamilies)
        {
            // MatchFamily returns null (or, on some builds, another family) when the family is absent.
            var typeface = SKFontManager.Default.MatchFamily(family);
            if (typeface is not null && string.Equals(typeface.FamilyName, family, StringComparison.OrdinalIgnoreCase)) return family;
        }
        foreach (var (regular, bold) in FontFiles)
        {
            if (!File.Exists(regular)) continue;
            Fonts.AddFontFile(FileFamily, regular, bold: false, italic: false);
            if (File.Exists(bold)) Fonts.AddFontFile(FileFamily, bold, bold: true, italic: false);
            return FileFamily;
        }
        // No known font: ScottPlot's own default. Text may come out blank on a font-less machine, but nothing throws.
        return Fonts.Default;
    }
}
