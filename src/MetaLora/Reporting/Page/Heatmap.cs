using MetaLora.Formats;

namespace MetaLora.Reporting.Page;

/// <summary>
/// A coefficient matrix as a PNG (one pixel per cell, rows = tasks adapted for, columns = bank
/// adapters, bank order): white at 0, dark blue at the largest weight, red for negative weights.
/// </summary>
internal static class Heatmap
{
    /// <summary>The PNG as a data URI, and the largest absolute weight (the colour scale's end).</summary>
    public static (string DataUri, double Max) Render(NamedMatrix coefficients)
    {
        var n = coefficients.Names.Count;
        var c = coefficients.Values;
        var max = 0.0;
        foreach (var v in c) if (double.IsFinite(v)) max = Math.Max(max, Math.Abs(v));
        var rgb = new byte[n * n * 3];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
            {
                var v = c[i, j];
                var t = max > 0 && double.IsFinite(v) ? Math.Abs(v) / max : 0;
                // Positive weights fade from white to (8, 48, 107); negative ones to (165, 15, 21).
                var (r, g, b) = v < 0 ? (165, 15, 21) : (8, 48, 107);
                var k = (i * n + j) * 3;
                rgb[k] = (byte)Math.Round(255 - t * (255 - r));
                rgb[k + 1] = (byte)Math.Round(255 - t * (255 - g));
                rgb[k + 2] = (byte)Math.Round(255 - t * (255 - b));
            }
        return ("data:image/png;base64," + Convert.ToBase64String(PngImage.Encode(n, n, rgb)), max);
    }

    /// <summary>Per task (row), the effective number of adapters 1/Σc²; NaN for a row without weights.</summary>
    public static double[] EffectiveAdapters(NamedMatrix coefficients)
    {
        var n = coefficients.Names.Count;
        var result = new double[n];
        for (var i = 0; i < n; i++)
        {
            var sum = 0.0;
            for (var j = 0; j < n; j++) sum += coefficients.Values[i, j] * coefficients.Values[i, j];
            result[i] = sum > 0 ? 1 / sum : double.NaN;
        }
        return result;
    }
}
