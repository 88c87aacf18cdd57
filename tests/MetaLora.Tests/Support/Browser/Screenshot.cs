using SkiaSharp;

namespace MetaLora.Tests.Support;

/// <summary>
/// What a screenshot shows, counted on its decoded pixels: the background is the commonest colour,
/// ink every pixel of another colour. A page that rendered nothing (or one flat colour) has no ink.
/// </summary>
public sealed record Screenshot(int Width, int Height, int DistinctColours, long InkPixels)
{
    public bool IsBlank => InkPixels == 0;

    /// <summary>Decodes a PNG (with SkiaSharp, which the report's figures already use) and counts its colours.</summary>
    public static Screenshot Measure(byte[] png)
    {
        using var bitmap = SKBitmap.Decode(png) ?? throw new ArgumentException("not a decodable image", nameof(png));
        var counts = new Dictionary<uint, long>();
        foreach (var pixel in bitmap.Pixels)
        {
            var key = (uint)pixel;
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        var background = counts.Values.Max();
        return new Screenshot(bitmap.Width, bitmap.Height, counts.Count, (long)bitmap.Width * bitmap.Height - background);
    }
}
