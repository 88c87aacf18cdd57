using MetaLora.Formats;
using static TorchSharp.torch;
using MetaLora.Prediction.Combining.Delta;

namespace MetaLora.Cli.Bench;

/// <summary>
/// How far the delta combiner's top-k truncation moves the update: for each k, per output, the
/// relative Frobenius distance between ΔW with the row's k largest coefficients (renormalised) and
/// ΔW with the whole row, over all modules together, and the share of the coefficient mass kept.
/// Dense products, so for banks of small shapes (the embedded bank), for `lora bench topk`.
/// </summary>
internal static class TopKMeasure
{
    /// <param name="K">Coefficients kept per row.</param>
    /// <param name="MaxError">Largest relative distance over outputs.</param>
    /// <param name="MeanError">Mean relative distance over outputs.</param>
    /// <param name="MinMassKept">Smallest share of a row's coefficient mass kept.</param>
    /// <param name="MeanMassKept">Mean share kept.</param>
    public sealed record Row(int K, double MaxError, double MeanError, double MinMassKept, double MeanMassKept);

    public static IReadOnlyList<Row> Run(IReadOnlyList<PeftAdapter> bank, double[,] coefficients, IReadOnlyList<int> ks)
    {
        var n = bank.Count;
        var modules = bank[0].Modules;
        var readers = bank.Select(a => a.OpenWeights()).ToArray();
        try
        {
            // Per module, every adapter's B_j A_j (dense, double): N x out x in.
            var products = modules.Select(m =>
            {
                var a = readers.Select(r => tensor(r.ReadFloat32(r[m.A.Name]), [m.Rank, m.InFeatures]).to_type(ScalarType.Float64)).ToArray();
                var b = readers.Select(r => tensor(r.ReadFloat32(r[m.B.Name]), [m.OutFeatures, m.Rank]).to_type(ScalarType.Float64)).ToArray();
                return stack(a.Zip(b, (x, y) => y.matmul(x)).ToArray());
            }).ToArray();
            Tensor Update(double[] row, Tensor p) => (tensor(row, ScalarType.Float64).view(n, 1, 1) * p).sum(0L);
            var rows = new List<Row>();
            foreach (var k in ks)
            {
                var (kept, mass) = DeltaCombiner.TopK(coefficients, k);
                var errors = new double[n];
                for (var i = 0; i < n; i++)
                {
                    using var scope = NewDisposeScope();
                    var all = Enumerable.Range(0, n).Select(j => coefficients[i, j]).ToArray();
                    var top = Enumerable.Range(0, n).Select(j => kept[i, j]).ToArray();
                    double diff = 0, norm = 0;
                    foreach (var p in products)
                    {
                        var full = Update(all, p);
                        var gap = Update(top, p) - full;
                        // x * x, not square(): a number argument would travel as a native scalar a collection may free mid-call.
                        diff += (gap * gap).sum().item<double>();
                        norm += (full * full).sum().item<double>();
                    }
                    errors[i] = norm > 0 ? Math.Sqrt(diff / norm) : 0;
                }
                rows.Add(new Row(k, errors.Max(), errors.Average(), mass.Min(), mass.Average()));
            }
            foreach (var p in products) p.Dispose();
            return rows;
        }
        finally
        {
            foreach (var r in readers) r.Dispose();
        }
    }
}
