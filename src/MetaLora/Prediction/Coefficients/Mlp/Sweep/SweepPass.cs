using System.Numerics;
using System.Runtime.CompilerServices;
using MetaLora.Repro.CodeIdentity;

namespace MetaLora.Prediction.Coefficients.Mlp.Sweep;

/// <summary>
/// One evaluation of f over sorted inputs by the sweep, and (for training) the gradient of
/// Σ_e g_e·f(x_e) with respect to every parameter, exactly as dense backpropagation computes it.
/// <para>
/// f's input is a scalar, so its first layer collapses: with w̃ = w1 − mean(w1), b̃ = b1 − mean(b1), the
/// first LayerNorm's σ(x)² = mean((w̃x + b̃)²) + ε is a quadratic in x, and hidden unit k is
/// relu(a_k·t + b_k·s + β1_k) with t = x/σ(x), s = 1/σ(x), a = γ1⊙w̃ and b = γ1⊙b̃. For the active set S
/// (the units with a positive value), W2·h = t·P + s·Q + R with P = Σ_S a_k W2[:,k], Q = Σ_S b_k W2[:,k]
/// and R = Σ_S β1_k W2[:,k]. Along the sorted inputs S changes a few times per unit; each change adds or
/// removes one column, O(H), so all n inputs cost O(nH + H²) instead of O(nH²).
/// </para>
/// <para>
/// The backward pass has the same shape. With dz_e the gradient at the second layer's pre-activation,
/// column k of ∂W2 is a_k U_k + b_k V_k + β1_k T_k, where U_k, V_k, T_k sum t_e dz_e, s_e dz_e and dz_e
/// over the inputs where unit k is active: differences of running sums, taken at k's changes. The first
/// layer's gradients need W2[:,k]·U_k, W2[:,k]·V_k, W2[:,k]·T_k and five scalar sums over the inputs
/// from LayerNorm's backward, which uses F = Σ_S γ1_k W2[:,k], kept like P, Q and R.
/// </para>
/// <para>
/// Inputs are cut into fixed chunks (<see cref="SweepInputs"/>) processed in parallel; each chunk starts
/// from scratch (its active set computed directly, P, Q, R, F summed anew), and a long run of changes
/// also recomputes them, which bounds the rounding drift of the additions and removals. Chunks' sums
/// are combined in chunk order, so the bits do not depend on threads or timing.
/// </para>
/// </summary>
[StageVariant(MlpEngineNames.Parameter, MlpEngineNames.Sweep)]
internal sealed class SweepPass
{
    /// <summary>Changes of the active set after which P, Q, R (and F) are summed anew, bounding drift.</summary>
    internal const int DefaultRefreshEvents = 1024;

    private readonly SweepMlp _f;
    private readonly SweepInputs _inputs;
    private readonly int _threads;
    private readonly bool _training;
    private readonly int _refreshEvents;
    private readonly int _h;
    private readonly double[] _centredWeight, _centredBias, _a, _b;
    private readonly double _scale, _shift, _floor;
    private readonly double[] _mean, _rstd;
    private readonly ChunkTrace[] _traces;
    private ulong[]? _lastMask;

    /// <param name="f">f's parameters; they must not change while the pass is in use.</param>
    /// <param name="inputs">The sorted inputs.</param>
    /// <param name="threads">Threads to use; 0 means one per core. The result does not depend on it.</param>
    /// <param name="training">Keep what <see cref="Backward"/> needs (each chunk's changes and restarts).</param>
    /// <param name="refreshEvents">Changes after which the vectors are summed anew (tests make it small).</param>
    public SweepPass(SweepMlp f, SweepInputs inputs, int threads, bool training, int refreshEvents = DefaultRefreshEvents)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(refreshEvents, 1);
        _refreshEvents = refreshEvents;
        _f = f;
        _inputs = inputs;
        _threads = Math.Max(1, threads == 0 ? Environment.ProcessorCount : threads);
        _training = training;
        var h = _h = f.Hidden;
        var w1 = f.Vector(f.W1);
        var b1 = f.Vector(f.B1);
        var g1 = f.Vector(f.G1);
        double meanW = 0, meanB = 0;
        for (var k = 0; k < h; k++)
        {
            meanW += w1[k];
            meanB += b1[k];
        }
        meanW /= h;
        meanB /= h;
        _centredWeight = new double[h];
        _centredBias = new double[h];
        _a = new double[h];
        _b = new double[h];
        double aa = 0, ab = 0;
        for (var k = 0; k < h; k++)
        {
            _centredWeight[k] = w1[k] - meanW;
            _centredBias[k] = b1[k] - meanB;
            _a[k] = g1[k] * _centredWeight[k];
            _b[k] = g1[k] * _centredBias[k];
            aa += _centredWeight[k] * _centredWeight[k];
            ab += _centredWeight[k] * _centredBias[k];
        }
        // σ(x)² − ε = mean((w̃x + b̃)²) = A(x + r)² + D with A = mean(w̃²), r = mean(w̃b̃)/A and D the mean
        // square of b̃ − r·w̃: both terms are sums of squares, so no cancellation whatever x is.
        _scale = aa / h;
        _shift = aa > 0 ? ab / aa : 0;
        double floor = 0;
        for (var k = 0; k < h; k++)
        {
            var residual = _centredBias[k] - _shift * _centredWeight[k];
            floor += residual * residual;
        }
        _floor = floor / h;
        Outputs = new double[inputs.Count];
        _mean = new double[inputs.Count];
        _rstd = new double[inputs.Count];
        _traces = new ChunkTrace[inputs.Chunks];
    }

    /// <summary>f at each input, in sorted order (after <see cref="Forward"/>).</summary>
    public double[] Outputs { get; }

    /// <summary>(t, s) = (x/σ(x), 1/σ(x)) for the first LayerNorm at x.</summary>
    private (double T, double S) Normalizer(double x)
    {
        var d = x + _shift;
        var s = 1 / Math.Sqrt(_scale * d * d + _floor + CoefficientMlp.NormEpsilon);
        return (x * s, s);
    }

    private void Mask(double x, Span<ulong> words)
    {
        var (t, s) = Normalizer(x);
        SweepKernels.Mask(_a, _b, _f.Vector(_f.Be1), t, s, words);
    }

    /// <summary>Computes <see cref="Outputs"/> (and, when training, what the backward pass replays).</summary>
    public void Forward()
    {
        var next = -1;
        Parallel.For(0, Math.Min(_threads, _inputs.Chunks), new ParallelOptions { MaxDegreeOfParallelism = _threads }, _ =>
        {
            var scratch = new Scratch(_h);
            int c;
            while ((c = Interlocked.Increment(ref next)) < _inputs.Chunks)
                ForwardChunk(c, scratch);
        });
    }

    private void ForwardChunk(int c, Scratch scratch)
    {
        int start = _inputs.Starts[c], end = _inputs.Starts[c + 1];
        var x = _inputs.X;
        var current = scratch.Mask;
        var other = scratch.OtherMask;
        var trace = _training ? new ChunkTrace() : null;
        Mask(x[start], current);
        if (trace is not null && c > 0)
        {
            // The changes between the previous chunk's last input and this one's first count for the
            // running sums (they open and close units' intervals) though the vectors start afresh.
            Mask(x[start - 1], other);
            Changes(other, current, start, trace.Events);
        }
        var p = scratch.P;
        var q = scratch.Q;
        var r = scratch.R;
        var f = _training ? scratch.F : Span<double>.Empty;
        Refresh(current, p, q, r, f);
        trace?.Checkpoints.Add(new Checkpoint(start, [.. p, .. q, .. r, .. f]));
        var since = 0;
        var be1 = _f.Vector(_f.Be1);
        var g1 = _f.Vector(_f.G1);
        for (var e = start; e < end; e++)
        {
            if (e > start)
            {
                Mask(x[e], other);
                for (var w = 0; w < current.Length; w++)
                {
                    var changed = current[w] ^ other[w];
                    while (changed != 0)
                    {
                        var k = (w << 6) + BitOperations.TrailingZeroCount(changed);
                        changed &= changed - 1;
                        var sign = (other[w] >> (k & 63) & 1) != 0 ? 1.0 : -1.0;
                        SweepKernels.AddColumn(_f.Column(k), sign * _a[k], sign * _b[k], sign * be1[k], sign * g1[k], p, q, r, f);
                        trace?.Events.Add(new Event(e, k, sign > 0));
                        since++;
                    }
                }
                (current, other) = (other, current);
                if (since >= _refreshEvents)
                {
                    Refresh(current, p, q, r, f);
                    trace?.Checkpoints.Add(new Checkpoint(e, [.. p, .. q, .. r, .. f]));
                    since = 0;
                }
            }
            var (t, s) = Normalizer(x[e]);
            Outputs[e] = SweepKernels.Forward(t, s, p, q, r, _f.Vector(_f.G2), _f.Vector(_f.Be2), _f.Vector(_f.W3), scratch.Z,
                out _mean[e], out _rstd[e]) + _f.Values[_f.B3];
        }
        if (c == _inputs.Chunks - 1) _lastMask = current.ToArray();
        // Scratch masks are swapped by reference above; hand the pair back in a fixed role.
        scratch.Mask = current;
        scratch.OtherMask = other;
        if (trace is not null) _traces[c] = trace;
    }

    /// <summary>Records the units whose state differs between two masks as changes at input e.</summary>
    private static void Changes(ulong[] before, ulong[] after, int e, List<Event> events)
    {
        for (var w = 0; w < before.Length; w++)
        {
            var changed = before[w] ^ after[w];
            while (changed != 0)
            {
                var bit = BitOperations.TrailingZeroCount(changed);
                changed &= changed - 1;
                events.Add(new Event(e, (w << 6) + bit, (after[w] >> bit & 1) != 0));
            }
        }
    }

    /// <summary>P, Q, R (+ b2) and, unless empty, F summed from scratch over the active units, in unit order.</summary>
    private void Refresh(ulong[] mask, Span<double> p, Span<double> q, Span<double> r, Span<double> f)
    {
        p.Clear();
        q.Clear();
        _f.Vector(_f.B2).CopyTo(r);
        f.Clear();
        var be1 = _f.Vector(_f.Be1);
        var g1 = _f.Vector(_f.G1);
        for (var w = 0; w < mask.Length; w++)
        {
            var bits = mask[w];
            while (bits != 0)
            {
                var k = (w << 6) + BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
                SweepKernels.AddColumn(_f.Column(k), _a[k], _b[k], be1[k], g1[k], p, q, r, f);
            }
        }
    }

    /// <summary>
    /// The gradient of Σ_e upstream[e]·f(x_e) (upstream in sorted order) with respect to every parameter,
    /// written into <paramref name="gradient"/> in <see cref="SweepMlp.Values"/>' layout.
    /// </summary>
    public void Backward(ReadOnlySpan<double> upstream, double[] gradient)
    {
        if (!_training) throw new InvalidOperationException("the pass was not made for training");
        if (upstream.Length != _inputs.Count) throw new ArgumentException($"{_inputs.Count} inputs but {upstream.Length} upstream gradients", nameof(upstream));
        if (gradient.Length != _f.Values.Length) throw new ArgumentException("the gradient must have one entry per parameter", nameof(gradient));
        Array.Clear(gradient);
        var g = upstream.ToArray();
        var sums = new Sums(_h);
        var pending = new ChunkResult?[_inputs.Chunks];
        var committed = 0;
        var gate = new object();
        var next = -1;
        Parallel.For(0, Math.Min(_threads, _inputs.Chunks), new ParallelOptions { MaxDegreeOfParallelism = _threads }, _ =>
        {
            var scratch = new Scratch(_h);
            int c;
            while ((c = Interlocked.Increment(ref next)) < _inputs.Chunks)
            {
                var result = BackwardChunk(c, g, scratch);
                // Commit in chunk order whoever finishes first: the sums' bits do not depend on timing.
                lock (gate)
                {
                    pending[c] = result;
                    while (committed < pending.Length && pending[committed] is { } ready)
                    {
                        Commit(ready, sums, gradient);
                        pending[committed++] = null;
                    }
                }
            }
        });
        Finish(sums, gradient);
    }

    private ChunkResult BackwardChunk(int c, double[] upstream, Scratch scratch)
    {
        int start = _inputs.Starts[c], end = _inputs.Starts[c + 1];
        var h = _h;
        var trace = _traces[c];
        var x = _inputs.X;
        var result = new ChunkResult(h);
        var p = scratch.P;
        var q = scratch.Q;
        var r = scratch.R;
        var f = scratch.F;
        Restore(trace.Checkpoints[0], p, q, r, f);
        var be1 = _f.Vector(_f.Be1);
        var g1 = _f.Vector(_f.G1);
        var g2 = _f.Vector(_f.G2);
        var be2 = _f.Vector(_f.Be2);
        var w3 = _f.Vector(_f.W3);
        var slots = scratch.Slots;
        int ev = 0, cp = 1;
        var events = trace.Events;
        for (var e = start; e < end; e++)
        {
            var restart = cp < trace.Checkpoints.Count && trace.Checkpoints[cp].Position == e;
            ev = ApplyEvents(events, ev, e, start, restart, result, slots, be1, g1, p, q, r, f);
            if (restart) Restore(trace.Checkpoints[cp++], p, q, r, f);
            var (t, s) = Normalizer(x[e]);
            var ge = upstream[e];
            var (sum, sumWith) = SweepKernels.BackwardNorm(t, s, ge, _mean[e], _rstd[e], p, q, r, g2, be2, w3,
                result.DW3, result.DG2, result.DBe2, scratch.Normalized, scratch.DNormalized);
            var (withF, withTpSq) = SweepKernels.BackwardLinear(t, s, _rstd[e], sum / h, sumWith / h,
                scratch.Normalized, scratch.DNormalized, p, q, f, result.U, result.V, result.T);
            var m1 = withF / h;
            var m2 = withTpSq / h;
            result.K1 += t * m1;
            result.K2 += t * t * m2;
            result.K3 += t * s * m2;
            result.K4 += s * m1;
            result.K5 += s * s * m2;
            result.DB3 += ge;
        }
        foreach (var k in result.Units) slots[k] = -1;
        return result;
    }

    /// <summary>
    /// The events at input <paramref name="e"/>, from index <paramref name="ev"/>: each unit's slot and net
    /// count in the chunk's result and, past the chunk's first input, the running sums taken into its combined
    /// column and dots and (unless a checkpoint is restored here) its column toggled in p, q, r, f.
    /// Returns the index of the first event past <paramref name="e"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int ApplyEvents(List<Event> events, int ev, int e, int start, bool restart, ChunkResult result, int[] slots,
        ReadOnlySpan<double> be1, ReadOnlySpan<double> g1, double[] p, double[] q, double[] r, double[] f)
    {
        var h = _h;
        for (; ev < events.Count && events[ev].Position == e; ev++)
        {
            var (_, k, on) = events[ev];
            if (slots[k] < 0)
            {
                slots[k] = result.Units.Count;
                result.Units.Add(k);
                result.Net.Add(0);
                result.Combined.Add(new double[h]);
                result.Dots.Add((0, 0, 0));
            }
            var slot = slots[k];
            // Opening an interval subtracts the running sums so far, closing one adds them.
            var sign = on ? -1.0 : 1.0;
            result.Net[slot] += on ? -1 : 1;
            if (e > start)
            {
                SweepKernels.AddCombination(result.Combined[slot], sign * _a[k], result.U, sign * _b[k], result.V, sign * be1[k], result.T);
                var (du, dv, dt) = SweepKernels.Dots(_f.Column(k), result.U, result.V, result.T);
                var d = result.Dots[slot];
                result.Dots[slot] = (d.U + sign * du, d.V + sign * dv, d.T + sign * dt);
                if (!restart)
                {
                    var add = on ? 1.0 : -1.0;
                    SweepKernels.AddColumn(_f.Column(k), add * _a[k], add * _b[k], add * be1[k], add * g1[k], p, q, r, f);
                }
            }
        }
        return ev;
    }

    private void Restore(Checkpoint checkpoint, Span<double> p, Span<double> q, Span<double> r, Span<double> f)
    {
        var h = _h;
        var v = checkpoint.Vectors.AsSpan();
        v[..h].CopyTo(p);
        v[h..(2 * h)].CopyTo(q);
        v[(2 * h)..(3 * h)].CopyTo(r);
        v[(3 * h)..(4 * h)].CopyTo(f);
    }

    /// <summary>Adds one chunk's sums, in chunk order; the running sums then move past the chunk.</summary>
    private void Commit(ChunkResult chunk, Sums sums, double[] gradient)
    {
        var h = _h;
        var be1 = _f.Vector(_f.Be1);
        for (var i = 0; i < chunk.Units.Count; i++)
        {
            var k = chunk.Units[i];
            var column = gradient.AsSpan(_f.W2 + k * h, h);
            SweepKernels.Add(column, chunk.Combined[i]);
            var (du, dv, dt) = chunk.Dots[i];
            var net = chunk.Net[i];
            if (net != 0)
            {
                // The chunk's local sums start at zero; the global sums before the chunk enter once per
                // interval the chunk opens or closes, net.
                SweepKernels.AddCombination(column, net * _a[k], sums.U, net * _b[k], sums.V, net * be1[k], sums.T);
                var (gu, gv, gt) = SweepKernels.Dots(_f.Column(k), sums.U, sums.V, sums.T);
                du += net * gu;
                dv += net * gv;
                dt += net * gt;
            }
            sums.DotU[k] += du;
            sums.DotV[k] += dv;
            sums.DotT[k] += dt;
        }
        SweepKernels.Add(sums.U, chunk.U);
        SweepKernels.Add(sums.V, chunk.V);
        SweepKernels.Add(sums.T, chunk.T);
        SweepKernels.Add(gradient.AsSpan(_f.W3, h), chunk.DW3);
        SweepKernels.Add(gradient.AsSpan(_f.G2, h), chunk.DG2);
        SweepKernels.Add(gradient.AsSpan(_f.Be2, h), chunk.DBe2);
        sums.K1 += chunk.K1;
        sums.K2 += chunk.K2;
        sums.K3 += chunk.K3;
        sums.K4 += chunk.K4;
        sums.K5 += chunk.K5;
        gradient[_f.B3] += chunk.DB3;
    }

    /// <summary>Closes the intervals of the units active at the last input and assembles the first layer's gradients.</summary>
    private void Finish(Sums sums, double[] gradient)
    {
        var h = _h;
        var be1 = _f.Vector(_f.Be1);
        var g1 = _f.Vector(_f.G1);
        var mask = _lastMask ?? throw new InvalidOperationException("run the forward pass first");
        for (var w = 0; w < mask.Length; w++)
        {
            var bits = mask[w];
            while (bits != 0)
            {
                var k = (w << 6) + BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
                SweepKernels.AddCombination(gradient.AsSpan(_f.W2 + k * h, h), _a[k], sums.U, _b[k], sums.V, be1[k], sums.T);
                var (gu, gv, gt) = SweepKernels.Dots(_f.Column(k), sums.U, sums.V, sums.T);
                sums.DotU[k] += gu;
                sums.DotV[k] += gv;
                sums.DotT[k] += gt;
            }
        }
        sums.T.AsSpan().CopyTo(gradient.AsSpan(_f.B2, h));
        for (var k = 0; k < h; k++)
        {
            var wk = _centredWeight[k];
            var bk = _centredBias[k];
            gradient[_f.G1 + k] = wk * sums.DotU[k] + bk * sums.DotV[k];
            gradient[_f.Be1 + k] = sums.DotT[k];
            gradient[_f.W1 + k] = g1[k] * sums.DotU[k] - sums.K1 - wk * sums.K2 - bk * sums.K3;
            gradient[_f.B1 + k] = g1[k] * sums.DotV[k] - sums.K4 - wk * sums.K3 - bk * sums.K5;
        }
    }

    /// <summary>A change of unit k's state at input <paramref name="Position"/> (sorted order).</summary>
    private readonly record struct Event(int Position, int Unit, bool On);

    /// <summary>P, Q, R (+ b2), F as summed afresh at input <paramref name="Position"/>, after its changes.</summary>
    private sealed record Checkpoint(int Position, double[] Vectors);

    /// <summary>What a chunk's forward pass leaves for its backward pass.</summary>
    private sealed class ChunkTrace
    {
        public List<Event> Events { get; } = [];
        public List<Checkpoint> Checkpoints { get; } = [];
    }

    /// <summary>One chunk's contribution to the gradient, its sums local to the chunk.</summary>
    private sealed class ChunkResult(int h)
    {
        public double[] U { get; } = new double[h];
        public double[] V { get; } = new double[h];
        public double[] T { get; } = new double[h];
        public double[] DW3 { get; } = new double[h];
        public double[] DG2 { get; } = new double[h];
        public double[] DBe2 { get; } = new double[h];
        public double K1, K2, K3, K4, K5, DB3;

        /// <summary>Units that change state in the chunk, in order of their first change.</summary>
        public List<int> Units { get; } = [];
        public List<int> Net { get; } = [];
        public List<double[]> Combined { get; } = [];
        public List<(double U, double V, double T)> Dots { get; } = [];
    }

    /// <summary>The running sums over the committed chunks and the per-unit dot products.</summary>
    private sealed class Sums(int h)
    {
        public double[] U { get; } = new double[h];
        public double[] V { get; } = new double[h];
        public double[] T { get; } = new double[h];
        public double[] DotU { get; } = new double[h];
        public double[] DotV { get; } = new double[h];
        public double[] DotT { get; } = new double[h];
        public double K1, K2, K3, K4, K5;
    }

    /// <summary>Per-thread working memory.</summary>
    private sealed class Scratch(int h)
    {
        public ulong[] Mask = new ulong[SweepKernels.Words(h)];
        public ulong[] OtherMask = new ulong[SweepKernels.Words(h)];
        public double[] P { get; } = new double[h];
        public double[] Q { get; } = new double[h];
        public double[] R { get; } = new double[h];
        public double[] F { get; } = new double[h];
        public double[] Z { get; } = new double[h];
        public double[] Normalized { get; } = new double[h];
        public double[] DNormalized { get; } = new double[h];
        public int[] Slots { get; } = Enumerable.Repeat(-1, h).ToArray();
    }
}
