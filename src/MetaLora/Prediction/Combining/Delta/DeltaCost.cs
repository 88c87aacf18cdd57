using System.Globalization;
using MetaLora.Formats;

namespace MetaLora.Prediction.Combining.Delta;

/// <summary>
/// How much work a <see cref="DeltaCombiner"/> run is, before it starts: the cost grows with the
/// stack width k r until it reaches a module's width, where every output's core is as large as the
/// module itself.
/// </summary>
internal static class DeltaCost
{
    /// <summary>Operation counts above this get a note before the work starts (tens of minutes or more on a laptop's cores).</summary>
    public const double LargeWork = 1e14;

    /// <summary>
    /// An estimate of the floating-point operations of combining <paramref name="outputs"/> rows, each over
    /// <paramref name="candidates"/> adapters shaped like <paramref name="adapter"/> (N − 1 for a bank's own
    /// tasks, N for a new dataset): per module and output,
    /// the QRs of the out x K and in x K stacks (K = k r; once per module when every row keeps all),
    /// forming the m x m' core and its SVD, with m = min(out, K), m' = min(in, K) (textbook counts:
    /// 2 n K² per QR, 2 m K m' per product, 4 m n² + 22 n³ per SVD with n the smaller side).
    /// </summary>
    public static double Operations(PeftAdapter adapter, int candidates, int outputs, DeltaOptions options)
    {
        ArgumentNullException.ThrowIfNull(adapter);
        ArgumentNullException.ThrowIfNull(options);
        var others = Math.Max(candidates, 1);
        var k = options.KeptPerRow(others);
        double total = 0;
        foreach (var m in adapter.Modules)
        {
            double stack = k * m.Rank, outDim = m.OutFeatures, inDim = m.InFeatures;
            var qr = 2 * (outDim * Math.Pow(Math.Min(outDim, stack), 2) + inDim * Math.Pow(Math.Min(inDim, stack), 2));
            double rows = Math.Min(outDim, stack), cols = Math.Min(inDim, stack);
            var (large, small) = (Math.Max(rows, cols), Math.Min(rows, cols));
            var perOutput = 2 * rows * stack * cols + 4 * large * small * small + 22 * small * small * small;
            total += (k == others ? qr : qr * outputs) + perOutput * outputs;
        }
        return total;
    }

    /// <summary>
    /// One line for a combination of more than <see cref="LargeWork"/> operations (see <see cref="Operations"/>),
    /// naming what makes it large and what would make it smaller; null otherwise.
    /// </summary>
    public static string? Note(PeftAdapter adapter, int candidates, int outputs, DeltaOptions options)
    {
        var work = Operations(adapter, candidates, outputs, options);
        if (work < LargeWork) return null;
        var others = Math.Max(candidates, 1);
        var k = options.KeptPerRow(others);
        var widest = adapter.Modules.MaxBy(m => Math.Min(m.InFeatures, Math.Min(m.OutFeatures, k * m.Rank)))!;
        var side = Math.Min(widest.OutFeatures, k * widest.Rank);
        return string.Create(CultureInfo.InvariantCulture,
            $"note: delta with top-k {k} stacks {k * widest.Rank} columns per module, so each of {outputs} outputs factors cores of up to " +
            $"{side} x {Math.Min(widest.InFeatures, k * widest.Rank)} in each of {adapter.Modules.Count} modules: about {work:0.#e+0} floating-point operations; a smaller --top-k makes the cores k r wide (see lora bench topk)");
    }
}
