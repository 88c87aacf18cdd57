using System.Text;
using static MetaLora.Reporting.Page.Html;

namespace MetaLora.Reporting.Page;

/// <summary>
/// The page's vector figures, written as inline SVG by hand: the browser draws the text, so they
/// stay sharp, small and the same bytes on every machine.
/// </summary>
internal static class SvgCharts
{
    /// <summary>One row of <see cref="MeansWithIntervals"/>; Low/High NaN when there is no interval.</summary>
    public readonly record struct MeanRow(string Pipeline, double Mean, double Low, double High, bool Highlight);

    /// <summary>One point of <see cref="Scatter"/>.</summary>
    public readonly record struct Point(string Task, double X, double Y);

    private const int Width = 760, RowHeight = 22, LabelWidth = 230, Right = 20, Top = 10, Axis = 36;

    /// <summary>Each pipeline's mean as a dot with its 95% interval as a line; a dashed line at <paramref name="reference"/> (base).</summary>
    public static string MeansWithIntervals(IReadOnlyList<MeanRow> rows, double? reference, string axisLabel)
    {
        var max = rows.Select(r => double.IsNaN(r.High) ? r.Mean : r.High).Where(double.IsFinite).DefaultIfEmpty(1).Max();
        max = Math.Max(0.1, Math.Ceiling(max * 10.5) / 10);
        var height = Top + rows.Count * RowHeight + Axis;
        var plot = Width - LabelWidth - Right;
        double X(double v) => LabelWidth + v / max * plot;

        var svg = new StringBuilder();
        svg.Append(Invariant($"<svg class=\"chart\" viewBox=\"0 0 {Width} {height}\" width=\"{Width}\" height=\"{height}\" role=\"img\" aria-label=\"{Text(axisLabel)} per pipeline with 95% intervals\">"));
        for (var tick = 0.0; tick <= max + 1e-9; tick += max / 5)
        {
            var x = X(tick);
            svg.Append(Invariant($"<line class=\"grid\" x1=\"{x:F1}\" y1=\"{Top}\" x2=\"{x:F1}\" y2=\"{height - Axis}\"/>"));
            svg.Append(Invariant($"<text class=\"tick\" x=\"{x:F1}\" y=\"{height - Axis + 14}\" text-anchor=\"middle\">{tick:0.##}</text>"));
        }
        svg.Append(Invariant($"<text class=\"axis\" x=\"{LabelWidth + plot / 2}\" y=\"{height - 4}\" text-anchor=\"middle\">{Text(axisLabel)}</text>"));
        if (reference is { } r && double.IsFinite(r))
            svg.Append(Invariant($"<line class=\"reference\" x1=\"{X(r):F1}\" y1=\"{Top}\" x2=\"{X(r):F1}\" y2=\"{height - Axis}\"><title>base: {r:F3}</title></line>"));
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var y = Top + i * RowHeight + RowHeight / 2.0;
            var cls = row.Highlight ? "row best" : "row";
            svg.Append(Invariant($"<g class=\"{cls}\"><text class=\"label\" x=\"{LabelWidth - 8}\" y=\"{y + 4:F1}\" text-anchor=\"end\">{Text(row.Pipeline)}</text>"));
            if (!double.IsFinite(row.Mean))
            {
                svg.Append(Invariant($"<text class=\"tick\" x=\"{LabelWidth + 4}\" y=\"{y + 4:F1}\">no scores</text></g>"));
                continue;
            }
            var title = double.IsFinite(row.Low)
                ? Invariant($"{row.Pipeline}: {row.Mean:F3} [{row.Low:F3}, {row.High:F3}]")
                : Invariant($"{row.Pipeline}: {row.Mean:F3}");
            svg.Append(Invariant($"<title>{Text(title)}</title>"));
            if (double.IsFinite(row.Low))
                svg.Append(Invariant($"<line class=\"interval\" x1=\"{X(row.Low):F1}\" y1=\"{y:F1}\" x2=\"{X(row.High):F1}\" y2=\"{y:F1}\"/>"));
            svg.Append(Invariant($"<circle class=\"mean\" cx=\"{X(row.Mean):F1}\" cy=\"{y:F1}\" r=\"4.5\"/></g>"));
        }
        return svg.Append("</svg>").ToString();
    }

    private const int ScatterSize = 240, ScatterPad = 30;

    /// <summary>Per task, base (x) against a pipeline (y) on [0, 1] x [0, 1] with the diagonal; each point names its task.</summary>
    public static string Scatter(IReadOnlyList<Point> points, string xLabel, string yLabel)
    {
        const int plot = ScatterSize - ScatterPad - 8;
        double X(double v) => ScatterPad + Math.Clamp(v, 0, 1) * plot;
        double Y(double v) => 8 + (1 - Math.Clamp(v, 0, 1)) * plot;
        var above = points.Count(p => p.Y > p.X);
        var svg = new StringBuilder();
        svg.Append(Invariant($"<svg class=\"scatter\" viewBox=\"0 0 {ScatterSize} {ScatterSize}\" width=\"{ScatterSize}\" height=\"{ScatterSize}\" role=\"img\" aria-label=\"{Text(yLabel)} against {Text(xLabel)}: {above} of {points.Count} tasks above the diagonal\">"));
        svg.Append(Invariant($"<rect class=\"frame\" x=\"{ScatterPad}\" y=\"8\" width=\"{plot}\" height=\"{plot}\"/>"));
        svg.Append(Invariant($"<line class=\"reference\" x1=\"{X(0):F1}\" y1=\"{Y(0):F1}\" x2=\"{X(1):F1}\" y2=\"{Y(1):F1}\"/>"));
        svg.Append(Invariant($"<text class=\"tick\" x=\"{ScatterPad}\" y=\"{ScatterSize - 12}\" text-anchor=\"middle\">0</text><text class=\"tick\" x=\"{X(1):F1}\" y=\"{ScatterSize - 12}\" text-anchor=\"middle\">1</text>"));
        svg.Append(Invariant($"<text class=\"axis\" x=\"{ScatterPad + plot / 2}\" y=\"{ScatterSize - 2}\" text-anchor=\"middle\">{Text(xLabel)}</text>"));
        svg.Append(Invariant($"<text class=\"axis\" transform=\"translate(10 {8 + plot / 2}) rotate(-90)\" text-anchor=\"middle\">{Text(yLabel)}</text>"));
        foreach (var p in points)
            svg.Append(Invariant($"<circle class=\"{(p.Y > p.X ? "up" : p.Y < p.X ? "down" : "same")}\" cx=\"{X(p.X):F1}\" cy=\"{Y(p.Y):F1}\" r=\"3\"><title>{Text(p.Task)}: {p.X:F3} → {p.Y:F3}</title></circle>"));
        return svg.Append("</svg>").ToString();
    }
}
