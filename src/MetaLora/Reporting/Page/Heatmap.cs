using MetaLora.Formats;

namespace MetaLora.Reporting.Page;

/// <summary>
/// A coefficient matrix as a PNG (one pixel per cell, rows = tasks adapted for, columns = bank
/// adapters, bank order): white at 0, dark blue at the largest weight, red for negative weights,
/// in <see cref="Levels"/> shades each.
/// </summary>
internal static class Heatmap
{
    /// <summary>Shades per sign: palette entries 0..127 fade from white to blue, 128..255 from white to red.</summary>
    public const int Levels = 128;

    private static readonly byte[] Palette = MakePalette();

    /// <summary>The PNG as a data URI, and the largest absolute weight (the colour scale's end).</summary>
    public static (string DataUri, double Max) Render(NamedMatrix coefficients)
    {
        var n = coefficients.Names.Count;
        var c = coefficients.Values;
        var max = 0.0;
        foreach (var v in c) if (double.IsFinite(v)) max = Math.Max(max, Math.Abs(v));
        var indices = new byte[n * n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
            {
                var v = c[i, j];
                var level = max > 0 && double.IsFinite(v) ? (int)Math.Round(Math.Abs(v) / max * (Levels - 1)) : 0;
                indices[i * n + j] = (byte)(v < 0 ? Levels + level : level);
            }
        return ("data:image/png;base64," + Convert.ToBase64String(PngImage.Encode(n, n, indices, Palette)), max);
    }

    /// <summary>The colour of a shade: white fading to (8, 48, 107) for weights, to (165, 15, 21) for negative ones.</summary>
    public static (byte R, byte G, byte B) Colour(int index)
    {
        var negative = index >= Levels;
        var t = (negative ? index - Levels : index) / (double)(Levels - 1);
        var (r, g, b) = negative ? (165, 15, 21) : (8, 48, 107);
        return ((byte)Math.Round(255 - t * (255 - r)), (byte)Math.Round(255 - t * (255 - g)), (byte)Math.Round(255 - t * (255 - b)));
    }

    private static byte[] MakePalette()
    {
        var palette = new byte[2 * Levels * 3];
        for (var k = 0; k < 2 * Levels; k++)
            (palette[3 * k], palette[3 * k + 1], palette[3 * k + 2]) = Colour(k);
        return palette;
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
