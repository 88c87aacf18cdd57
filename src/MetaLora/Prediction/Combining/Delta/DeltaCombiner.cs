using System.Text.Json;
using MetaLora.Formats;
using static TorchSharp.torch;
using MetaLora.IO;
using MetaLora.Repro.CodeIdentity;

namespace MetaLora.Prediction.Combining.Delta;

/// <summary>
/// The exact update ΔW_i = Σ_j c_ij s B_j A_j of each module (s the bank's scaling), written as a
/// PEFT LoRA of a chosen rank with scaling 1 (lora_alpha = r), so PEFT's forward gives the product.
/// No out x in matrix is formed: with the weighted factors stacked, B_S = [B_j] (out x K) and
/// A_S = [A_j] (K x in), K = k r, take QR of B_S and of A_Sᵀ, then the SVD of the small core
/// R_B diag(w) R_Aᵀ; ΔW = Q_B U S Vᵀ Q_Aᵀ, truncated to the rank, √S on each side. Only the
/// <see cref="DeltaOptions.TopK"/> largest coefficients of a row are combined (renormalised), which
/// bounds the cost; with all of them every output shares one stack (the row's own adapter weighs 0),
/// so both QRs are done once per module. Modules are processed one at a time (every bank adapter's
/// A and B of that module in memory as stored; each output widens only its kept adapters to float64),
/// and every output file is written front to back. <see cref="DeltaCost"/> estimates the work.
/// </summary>
[StageVariant(CombinerNames.Parameter, CombinerNames.Delta)]
internal static class DeltaCombiner
{
    /// <param name="bank">The bank's adapters (checked consistent).</param>
    /// <param name="coefficients">One row per output, one column per bank adapter (the row's own adapter at 0).</param>
    /// <param name="outputFolders">One adapter folder per row.</param>
    /// <param name="options">Rank and top-k.</param>
    /// <param name="progress">Receives the share of the work done, from 0 to 1.</param>
    /// <returns>What each output kept (also written beside it).</returns>
    public static IReadOnlyList<DeltaReport> Mix(IReadOnlyList<PeftAdapter> bank, double[,] coefficients, IReadOnlyList<string> outputFolders,
        DeltaOptions options, IProgress<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(bank);
        ArgumentNullException.ThrowIfNull(coefficients);
        ArgumentNullException.ThrowIfNull(options);
        var outputs = outputFolders.Count;
        var plan = CheckPlan(bank, coefficients, outputs, options);
        if (outputs == 0) return [];

        var (weights, mass) = TopK(coefficients, plan.K);
        var specs = plan.Modules.SelectMany(m => new[]
        {
            new TensorSpec(m.A.Name, m.A.DType, [plan.Rank, m.InFeatures]),
            new TensorSpec(m.B.Name, m.B.DType, [m.OutFeatures, plan.Rank]),
        }).ToArray();
        var config = FactorCombinerChecks.UnitScaling(bank[0].Config, plan.Rank);
        AdapterOutputFile.RequireSpace(outputFolders, specs, config);
        var run = new MixRun(plan, weights, specs, bank.Select(a => a.OpenWeights()).ToArray(),
            outputFolders.Select(f => new AdapterOutputFile(f, specs)).ToArray());
        run.CombineModules(progress);
        try
        {
            return run.Commit(outputFolders, mass, config);
        }
        finally
        {
            run.Dispose();
        }
    }

    /// <summary>The checked sizes of one combine: the bank's scaling and modules, the output rank and top-k.</summary>
    private sealed record MixPlan(double Scaling, IReadOnlyList<LoraModule> Modules, int BankCount, int BankRank, int Rank, int Others, int K);

    /// <summary>Checks the coefficients' shape, the rank and the top-k against the bank; throws on the first that does not fit.</summary>
    private static MixPlan CheckPlan(IReadOnlyList<PeftAdapter> bank, double[,] coefficients, int outputs, DeltaOptions options)
    {
        var n = bank.Count;
        if (coefficients.GetLength(0) != outputs || coefficients.GetLength(1) != n)
            throw new ArgumentException($"coefficients are {coefficients.GetLength(0)} x {coefficients.GetLength(1)}; expected {outputs} x {n}");
        var first = bank[0];
        var scaling = FactorCombinerChecks.Scaling(first, "delta");
        var modules = first.Modules;
        var bankRank = (int)modules[0].Rank;
        var rank = options.Rank == 0 ? bankRank : options.Rank;
        if (rank < 1) throw new BadInputException($"--combine-rank={options.Rank}: expected a whole number >= 1");
        foreach (var m in modules)
            if (rank > Math.Min(m.InFeatures, m.OutFeatures))
                throw new BadInputException($"--combine-rank={rank} is larger than the shapes allow: {m.Name} is {m.OutFeatures} x {m.InFeatures}, so at most {Math.Min(m.InFeatures, m.OutFeatures)}");
        // A bank task's row excludes its own adapter; a new dataset's row may use every adapter.
        var square = outputs == n;
        var others = square ? Math.Max(n - 1, 1) : n;
        if (options.TopK > others)
            throw new BadInputException(square
                ? $"--top-k={options.TopK} is larger than N - 1 = {others} (the other tasks of the bank); give at most {others} or all"
                : $"--top-k={options.TopK} is larger than the bank's {n} adapters; give at most {n} or all");
        return new MixPlan(scaling, modules, n, bankRank, rank, others, options.KeptPerRow(others));
    }

    /// <summary>
    /// One combine's open bank readers and output files, and each output's kept and total energy so far
    /// (summed over the modules in order) and its smallest module share.
    /// </summary>
    private sealed class MixRun(MixPlan plan, double[,] weights, TensorSpec[] specs, SafetensorsReader[] readers, AdapterOutputFile[] files)
        : IDisposable
    {
        private readonly double[,] energy = new double[files.Length, 2];
        private readonly double[] minimum = Enumerable.Repeat(1.0, files.Length).ToArray();

        /// <summary>Every module in turn into every output file.</summary>
        public void CombineModules(IProgress<double>? progress)
        {
            // Outputs are computed in parallel, each on one torch thread: many small factorisations run far
            // better side by side than each split over the cores, and the bytes then do not depend on the machine.
            // No more workers than cores: each holds its own factorisation's buffers, and on a busy machine the
            // thread pool would otherwise add threads (and native heaps) to a loop that is waiting for a core.
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount };
            var threads = get_num_threads();
            set_num_threads(1);
            try
            {
                for (var index = 0; index < plan.Modules.Count; index++)
                {
                    using (NewDisposeScope())
                        CombineModule(index, parallel);
                    NativeHeap.Trim();
                    progress?.Report((double)(index + 1) / plan.Modules.Count);
                }
            }
            finally
            {
                set_num_threads(threads);
            }
        }

        private void CombineModule(int index, ParallelOptions parallel)
        {
            var (aAll, bAll) = ReadModule(readers, plan.Modules[index]);
            // Shared stack (every output combines every adapter): both QRs once per module.
            SharedStack? shared = plan.K == plan.Others ? SharedStack.Factor(aAll, bAll) : null;
            try
            {
                Parallel.For(0, files.Length, parallel, i => CombineOutput(i, index, shared, aAll, bAll));
            }
            finally
            {
                shared?.Dispose();
            }
        }

        private void CombineOutput(int i, int index, SharedStack? shared, Tensor aAll, Tensor bAll)
        {
            using var inner = NewDisposeScope();
            var row = Enumerable.Range(0, plan.BankCount).Select(j => weights[i, j] * plan.Scaling).ToArray();
            var (a, b, keptEnergy, total) = CombineRow(row, i, shared, aAll, bAll, plan.BankRank, plan.Rank);
            energy[i, 0] += keptEnergy;
            energy[i, 1] += total;
            if (total > 0) minimum[i] = Math.Min(minimum[i], keptEnergy / total);
            files[i].Write(specs[2 * index], BankChunk.NativeSpan(a));
            files[i].Write(specs[2 * index + 1], BankChunk.NativeSpan(b));
        }

        /// <summary>Commits every output file and writes its report beside it.</summary>
        public DeltaReport[] Commit(IReadOnlyList<string> outputFolders, double[] mass, AdapterConfig config)
        {
            var reports = new DeltaReport[files.Length];
            for (var i = 0; i < files.Length; i++)
            {
                files[i].Commit(config);
                reports[i] = new DeltaReport(plan.Rank, plan.K, Share(mass[i]), Share(energy[i, 1] > 0 ? energy[i, 0] / energy[i, 1] : 1), Share(minimum[i]));
                WriteReport(outputFolders[i], reports[i]);
            }
            return reports;
        }

        private void WriteReport(string folder, DeltaReport report) =>
            AtomicFile.WriteAllBytes(Path.Combine(folder, DeltaReport.FileName),
                JsonSerializer.SerializeToUtf8Bytes(new
                {
                    combiner = "delta", rank = plan.Rank, top_k = plan.K, coefficient_mass_kept = report.CoefficientMassKept,
                    energy_kept = report.EnergyKept, min_module_energy_kept = report.MinModuleEnergyKept,
                }, new JsonSerializerOptions { WriteIndented = true }));

        public void Dispose()
        {
            foreach (var r in readers) r.Dispose();
            foreach (var f in files) f.Dispose();
        }
    }

    /// <summary>
    /// One output's update of one module from its weighted row (the row's own adapter, <paramref name="own"/>,
    /// at 0): the shared stack's QRs when every adapter is kept, else QRs of the kept adapters only, each
    /// widened to float64 here so the module stays in memory once, as read.
    /// </summary>
    private static (Tensor A, Tensor B, double Kept, double Total) CombineRow(double[] row, int own, SharedStack? shared, Tensor aAll, Tensor bAll,
        int bankRank, int rank)
    {
        var n = row.Length;
        if (shared is not null)
            return Factor(shared.QB, shared.RB, shared.QA, shared.RA, Expand(row, Enumerable.Range(0, n).ToArray(), bankRank), rank);
        var kept = Enumerable.Range(0, n).Where(j => row[j] != 0).ToArray();
        // A row of zeros still needs a stack to factor (its update is 0).
        if (kept.Length == 0) kept = [own == 0 ? Math.Min(1, n - 1) : 0];
        var (qB, rB) = Qr(StackB(bAll, kept));
        var (qA, rA) = Qr(aAll.index_select(0, Columns(kept, bankRank)).to_type(ScalarType.Float64).t());
        return Factor(qB, rB, qA, rA, Expand(row, kept, bankRank), rank);
    }

    /// <summary>
    /// A reported share, to 9 decimals: the float64 factorisation's last bits may differ between builds
    /// and machines while the stored weights do not, and the report should not differ with them.
    /// </summary>
    private static double Share(double x) => Math.Round(x, 9, MidpointRounding.ToEven);

    /// <summary>
    /// Each row's <paramref name="k"/> largest coefficients by magnitude (ties: the lower index), the rest
    /// set to 0, rescaled so the row keeps its sum; and the share of the row's magnitude kept.
    /// </summary>
    public static (double[,] Weights, double[] MassKept) TopK(double[,] coefficients, int k)
    {
        ArgumentNullException.ThrowIfNull(coefficients);
        var rows = coefficients.GetLength(0);
        var cols = coefficients.GetLength(1);
        var result = new double[rows, cols];
        var mass = new double[rows];
        for (var i = 0; i < rows; i++)
        {
            var order = Enumerable.Range(0, cols).Where(j => j != i || rows != cols)
                .OrderByDescending(j => Math.Abs(coefficients[i, j])).ThenBy(j => j).Take(k).ToArray();
            double all = 0, allAbs = 0, kept = 0, keptAbs = 0;
            for (var j = 0; j < cols; j++)
            {
                all += coefficients[i, j];
                allAbs += Math.Abs(coefficients[i, j]);
            }
            foreach (var j in order)
            {
                kept += coefficients[i, j];
                keptAbs += Math.Abs(coefficients[i, j]);
            }
            // Renormalising is skipped when the whole row is kept, so "all" leaves the coefficients untouched.
            var factor = order.Length == cols - (rows == cols ? 1 : 0) || kept == 0 ? 1 : all / kept;
            foreach (var j in order) result[i, j] = coefficients[i, j] * factor;
            mass[i] = allAbs > 0 ? keptAbs / allAbs : 1;
        }
        return (result, mass);
    }

    /// <summary>
    /// Every bank adapter's A of the module stacked (N r x in) and every B (N x out x r), in float32:
    /// one module of the whole bank is the combiner's working set.
    /// </summary>
    private static (Tensor A, Tensor B) ReadModule(IReadOnlyList<SafetensorsReader> readers, LoraModule module)
    {
        var n = readers.Count;
        var r = module.Rank;
        // Read straight into native tensors: managed arrays of this size would pile up on the large object heap.
        var a = empty([n * r, module.InFeatures], ScalarType.Float32);
        var b = empty([n, module.OutFeatures, r], ScalarType.Float32);
        Fill(readers, module.A, a);
        Fill(readers, module.B, b);
        // The mapped pages are copied: release them now rather than hold the module twice while it is combined.
        foreach (var reader in readers)
        {
            reader.Release(reader[module.A.Name], 0, module.A.ElementCount);
            reader.Release(reader[module.B.Name], 0, module.B.ElementCount);
        }
        return (a, b);
    }

    /// <summary>The B's of <paramref name="adapters"/> side by side (out x k r), float64.</summary>
    private static Tensor StackB(Tensor b, int[] adapters)
    {
        using var index = tensor(adapters.Select(j => (long)j).ToArray(), ScalarType.Int64);
        using var picked = b.index_select(0, index);
        using var side = picked.permute(1, 0, 2).reshape(b.shape[1], adapters.Length * b.shape[2]);
        return side.to_type(ScalarType.Float64);
    }

    /// <summary>
    /// The QRs of the whole bank's stack of one module, shared by every output. They are computed on two
    /// worker threads, outside any dispose scope, so they are disposed here explicitly (the collector does
    /// not see their size: left to finalizers, one module's worth per module would pile up).
    /// </summary>
    private sealed class SharedStack : IDisposable
    {
        public required Tensor QB { get; init; }
        public required Tensor RB { get; init; }
        public required Tensor QA { get; init; }
        public required Tensor RA { get; init; }

        public static SharedStack Factor(Tensor a, Tensor b)
        {
            var all = Enumerable.Range(0, (int)b.shape[0]).ToArray();
            using var b64 = StackB(b, all);
            using var a64 = a.to_type(ScalarType.Float64);
            var qrB = Task.Run(() => Qr(b64));
            var qrA = Task.Run(() => Qr(a64.t()));
            var ((qB, rB), (qA, rA)) = (qrB.Result, qrA.Result);
            return new SharedStack { QB = qB, RB = rB, QA = qA, RA = rA };
        }

        public void Dispose()
        {
            QB.Dispose();
            RB.Dispose();
            QA.Dispose();
            RA.Dispose();
        }
    }

    /// <summary>Tensor <paramref name="info"/> of adapter j into the j-th block of <paramref name="target"/>.</summary>
    private static unsafe void Fill(IReadOnlyList<SafetensorsReader> readers, TensorInfo info, Tensor target)
    {
        var count = info.ElementCount;
        fixed (float* data = BankChunk.NativeSpan(target))
        {
            var start = (nint)data;
            Parallel.For(0, readers.Count, j =>
            {
                var reader = readers[j];
                reader.ReadFloat32(reader[info.Name], new Span<float>((float*)start + j * count, checked((int)count)));
            });
        }
    }

    private static (Tensor Q, Tensor R) Qr(Tensor x) => linalg.qr(x);

    private static Tensor Columns(int[] adapters, int rank) =>
        tensor(adapters.SelectMany(j => Enumerable.Range(j * rank, rank)).Select(c => (long)c).ToArray(), ScalarType.Int64);

    /// <summary>The weights of the stacked columns: each adapter's weight repeated over its r columns.</summary>
    private static Tensor Expand(double[] row, int[] adapters, int rank) =>
        tensor(adapters.SelectMany(j => Enumerable.Repeat(row[j], rank)).ToArray(), ScalarType.Float64);

    /// <summary>
    /// ΔW = Q_B (R_B diag(w) R_Aᵀ) Q_Aᵀ refactored: the core's SVD, truncated to <paramref name="rank"/>
    /// (zero columns past the core's own rank), √S on each side, signs fixed so that each B column's
    /// largest entry is positive (the bytes do not depend on the SVD's arbitrary signs). Returns A
    /// (rank x in) and B (out x rank) in float32, contiguous, and the kept and total ‖ΔW‖²_F.
    /// </summary>
    private static (Tensor A, Tensor B, double Kept, double Total) Factor(Tensor qB, Tensor rB, Tensor qA, Tensor rA, Tensor w, int rank)
    {
        var core = (rB * w.unsqueeze(0)).matmul(rA.t());
        var (u, s, vh) = linalg.svd(core, fullMatrices: false);
        var q = (int)s.shape[0];
        var t = Math.Min(rank, q);
        // s * s, not square(): TorchSharp passes a number argument as a native scalar that a collection may free mid-call.
        var squares = s * s;
        var total = squares.sum().item<double>();
        var kept = squares.narrow(0, 0, t).sum().item<double>();
        var root = s.narrow(0, 0, t).sqrt();
        var b = qB.matmul(u.narrow(1, 0, t) * root.unsqueeze(0));
        var a = (vh.narrow(0, 0, t) * root.unsqueeze(1)).matmul(qA.t());
        // Each column's largest entry (the first of equals) decides its sign; ±1 keeps the products exact.
        var largest = b.abs().argmax(0).unsqueeze(0);
        var signs = b.gather(0, largest).squeeze(0).data<double>().ToArray().Select(v => v < 0 ? -1.0 : 1.0).ToArray();
        var sign = tensor(signs, ScalarType.Float64);
        var bOut = zeros([b.shape[0], rank], ScalarType.Float32);
        var aOut = zeros([rank, a.shape[1]], ScalarType.Float32);
        bOut.narrow(1, 0, t).copy_((b * sign.unsqueeze(0)).to_type(ScalarType.Float32));
        aOut.narrow(0, 0, t).copy_((a * sign.unsqueeze(1)).to_type(ScalarType.Float32));
        return (aOut, bOut, kept, total);
    }
}
