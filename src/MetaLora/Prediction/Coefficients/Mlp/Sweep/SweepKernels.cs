using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using MetaLora.Repro.CodeIdentity;

namespace MetaLora.Prediction.Coefficients.Mlp.Sweep;

/// <summary>
/// The sweep's O(H) loops over one input or one column, vectorised with <see cref="Vector{T}"/>. Every
/// loop runs over whole vectors, then a scalar tail, in a fixed order: the same inputs give the same
/// bits every run. The callers pass spans of equal length (H); lengths are checked once per call.
/// </summary>
[StageVariant(MlpEngineNames.Parameter, MlpEngineNames.Sweep)]
internal static class SweepKernels
{
    private static int Width => Vector<double>.Count;

    private static ref double At(Span<double> span) => ref MemoryMarshal.GetReference(span);

    private static ref double At(ReadOnlySpan<double> span) => ref MemoryMarshal.GetReference(span);

    private static Vector<double> Load(ReadOnlySpan<double> span, int i) => Vector.LoadUnsafe(ref At(span), (nuint)i);

    private static void Store(Vector<double> value, Span<double> span, int i) => value.StoreUnsafe(ref At(span), (nuint)i);

    /// <summary>
    /// The first layer's active units at one input: bit k of <paramref name="words"/> is set when
    /// a[k]·t + b[k]·s + beta[k] &gt; 0 (the unit's value before the ReLU is positive).
    /// </summary>
    public static void Mask(ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> beta, double t, double s, Span<ulong> words)
    {
        var h = a.Length;
        if (b.Length != h || beta.Length != h || words.Length != (h + 63) / 64) throw new ArgumentException("mismatched lengths");
        var k = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var vt = Vector512.Create(t);
            var vs = Vector512.Create(s);
            for (; k + 64 <= h; k += 64)
            {
                ulong bits = 0;
                for (var j = 0; j < 64; j += 8)
                {
                    var y = Vector512.LoadUnsafe(ref At(a), (nuint)(k + j)) * vt + Vector512.LoadUnsafe(ref At(b), (nuint)(k + j)) * vs
                            + Vector512.LoadUnsafe(ref At(beta), (nuint)(k + j));
                    bits |= (ulong)Vector512.GreaterThan(y, Vector512<double>.Zero).ExtractMostSignificantBits() << j;
                }
                words[k >> 6] = bits;
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var vt = Vector256.Create(t);
            var vs = Vector256.Create(s);
            for (; k + 64 <= h; k += 64)
            {
                ulong bits = 0;
                for (var j = 0; j < 64; j += 4)
                {
                    var y = Vector256.LoadUnsafe(ref At(a), (nuint)(k + j)) * vt + Vector256.LoadUnsafe(ref At(b), (nuint)(k + j)) * vs
                            + Vector256.LoadUnsafe(ref At(beta), (nuint)(k + j));
                    bits |= (ulong)Vector256.GreaterThan(y, Vector256<double>.Zero).ExtractMostSignificantBits() << j;
                }
                words[k >> 6] = bits;
            }
        }
        // The rest (all of it without vector hardware) one unit at a time; same arithmetic, same bits.
        for (; k < h; k += 64)
        {
            ulong bits = 0;
            for (var j = 0; j < 64 && k + j < h; j++)
                if (a[k + j] * t + b[k + j] * s + beta[k + j] > 0)
                    bits |= 1UL << j;
            words[k >> 6] = bits;
        }
    }

    /// <summary>p += ca·column, q += cb·column, r += cr·column and, unless <paramref name="f"/> is empty, f += cf·column.</summary>
    public static void AddColumn(ReadOnlySpan<double> column, double ca, double cb, double cr, double cf,
                                 Span<double> p, Span<double> q, Span<double> r, Span<double> f)
    {
        var h = column.Length;
        var withF = !f.IsEmpty;
        if (p.Length != h || q.Length != h || r.Length != h || withF && f.Length != h) throw new ArgumentException("mismatched lengths");
        var i = 0;
        Vector<double> va = new(ca), vb = new(cb), vr = new(cr), vf = new(cf);
        for (; i + Width <= h; i += Width)
        {
            var c = Load(column, i);
            Store(Load(p, i) + va * c, p, i);
            Store(Load(q, i) + vb * c, q, i);
            Store(Load(r, i) + vr * c, r, i);
            if (withF) Store(Load(f, i) + vf * c, f, i);
        }
        for (; i < h; i++)
        {
            var c = column[i];
            p[i] += ca * c;
            q[i] += cb * c;
            r[i] += cr * c;
            if (withF) f[i] += cf * c;
        }
    }

    /// <summary>target += ca·u + cb·v + cr·w.</summary>
    public static void AddCombination(Span<double> target, double ca, ReadOnlySpan<double> u, double cb, ReadOnlySpan<double> v, double cr, ReadOnlySpan<double> w)
    {
        var h = target.Length;
        if (u.Length != h || v.Length != h || w.Length != h) throw new ArgumentException("mismatched lengths");
        var i = 0;
        Vector<double> va = new(ca), vb = new(cb), vr = new(cr);
        for (; i + Width <= h; i += Width)
            Store(Load(target, i) + (va * Load(u, i) + vb * Load(v, i) + vr * Load(w, i)), target, i);
        for (; i < h; i++)
            target[i] += ca * u[i] + cb * v[i] + cr * w[i];
    }

    /// <summary>(x·u, x·v, x·w).</summary>
    public static (double U, double V, double W) Dots(ReadOnlySpan<double> x, ReadOnlySpan<double> u, ReadOnlySpan<double> v, ReadOnlySpan<double> w)
    {
        var h = x.Length;
        if (u.Length != h || v.Length != h || w.Length != h) throw new ArgumentException("mismatched lengths");
        var i = 0;
        Vector<double> su = default, sv = default, sw = default;
        for (; i + Width <= h; i += Width)
        {
            var c = Load(x, i);
            su += c * Load(u, i);
            sv += c * Load(v, i);
            sw += c * Load(w, i);
        }
        double du = Vector.Sum(su), dv = Vector.Sum(sv), dw = Vector.Sum(sw);
        for (; i < h; i++)
        {
            du += x[i] * u[i];
            dv += x[i] * v[i];
            dw += x[i] * w[i];
        }
        return (du, dv, dw);
    }

    /// <summary>target += source.</summary>
    public static void Add(Span<double> target, ReadOnlySpan<double> source)
    {
        var h = target.Length;
        if (source.Length != h) throw new ArgumentException("mismatched lengths");
        var i = 0;
        for (; i + Width <= h; i += Width)
            Store(Load(target, i) + Load(source, i), target, i);
        for (; i < h; i++)
            target[i] += source[i];
    }

    /// <summary>
    /// The layers after the first for one input, whose second-layer pre-activation is z = t·p + s·q + r
    /// (r includes b2): LayerNorm with (γ2, β2), ReLU, then w3·h. Returns w3·h (without b3), and the
    /// norm's mean and 1/σ. <paramref name="z"/> is scratch of length H.
    /// </summary>
    public static double Forward(double t, double s, ReadOnlySpan<double> p, ReadOnlySpan<double> q, ReadOnlySpan<double> r,
                                 ReadOnlySpan<double> gamma, ReadOnlySpan<double> beta, ReadOnlySpan<double> w3, Span<double> z,
                                 out double mean, out double rstd)
    {
        var h = p.Length;
        if (q.Length != h || r.Length != h || gamma.Length != h || beta.Length != h || w3.Length != h || z.Length != h)
            throw new ArgumentException("mismatched lengths");
        Vector<double> vt = new(t), vs = new(s), sum = default;
        var i = 0;
        for (; i + Width <= h; i += Width)
        {
            var zi = vt * Load(p, i) + vs * Load(q, i) + Load(r, i);
            Store(zi, z, i);
            sum += zi;
        }
        var total = Vector.Sum(sum);
        for (; i < h; i++)
        {
            z[i] = t * p[i] + s * q[i] + r[i];
            total += z[i];
        }
        mean = total / h;

        Vector<double> vm = new(mean), squares = default;
        for (i = 0; i + Width <= h; i += Width)
        {
            var d = Load(z, i) - vm;
            squares += d * d;
        }
        var variance = Vector.Sum(squares);
        for (; i < h; i++)
        {
            var d = z[i] - mean;
            variance += d * d;
        }
        rstd = 1 / Math.Sqrt(variance / h + CoefficientMlp.NormEpsilon);

        Vector<double> vr = new(rstd), dot = default;
        for (i = 0; i + Width <= h; i += Width)
        {
            var y = Load(gamma, i) * ((Load(z, i) - vm) * vr) + Load(beta, i);
            dot += Load(w3, i) * Vector.Max(y, Vector<double>.Zero);
        }
        var result = Vector.Sum(dot);
        for (; i < h; i++)
        {
            var y = gamma[i] * ((z[i] - mean) * rstd) + beta[i];
            result += w3[i] * Math.Max(y, 0);
        }
        return result;
    }

    /// <summary>
    /// The first half of one input's backward pass through the layers after the first, with upstream
    /// gradient g = ∂/∂f: adds g·h to dw3, dy·ŷ to dγ2 and dy to dβ2 (dy = ∂/∂(pre-ReLU value)), and
    /// leaves ŷ (the normalised z) and dŷ = γ2·dy in the scratch spans. Returns (Σ dŷ, Σ dŷ·ŷ).
    /// </summary>
    public static (double Sum, double SumWithNormalized) BackwardNorm(
        double t, double s, double g, double mean, double rstd,
        ReadOnlySpan<double> p, ReadOnlySpan<double> q, ReadOnlySpan<double> r,
        ReadOnlySpan<double> gamma, ReadOnlySpan<double> beta, ReadOnlySpan<double> w3,
        Span<double> dw3, Span<double> dgamma, Span<double> dbeta, Span<double> normalized, Span<double> dnormalized)
    {
        var h = p.Length;
        if (q.Length != h || r.Length != h || gamma.Length != h || beta.Length != h || w3.Length != h
            || dw3.Length != h || dgamma.Length != h || dbeta.Length != h || normalized.Length != h || dnormalized.Length != h)
            throw new ArgumentException("mismatched lengths");
        Vector<double> vt = new(t), vs = new(s), vg = new(g), vm = new(mean), vr = new(rstd), s1 = default, s2 = default;
        var i = 0;
        for (; i + Width <= h; i += Width)
        {
            var yh = (vt * Load(p, i) + vs * Load(q, i) + Load(r, i) - vm) * vr;
            var gi = Load(gamma, i);
            var y = gi * yh + Load(beta, i);
            var active = Vector.GreaterThan(y, Vector<double>.Zero);
            var hi = Vector.ConditionalSelect(active, y, Vector<double>.Zero);
            var dy = Vector.ConditionalSelect(active, vg * Load(w3, i), Vector<double>.Zero);
            Store(Load(dw3, i) + vg * hi, dw3, i);
            Store(Load(dgamma, i) + dy * yh, dgamma, i);
            Store(Load(dbeta, i) + dy, dbeta, i);
            var dyh = gi * dy;
            Store(yh, normalized, i);
            Store(dyh, dnormalized, i);
            s1 += dyh;
            s2 += dyh * yh;
        }
        double sum = Vector.Sum(s1), sumWith = Vector.Sum(s2);
        for (; i < h; i++)
        {
            var yh = (t * p[i] + s * q[i] + r[i] - mean) * rstd;
            var y = gamma[i] * yh + beta[i];
            var active = y > 0;
            var hi = active ? y : 0;
            var dy = active ? g * w3[i] : 0;
            dw3[i] += g * hi;
            dgamma[i] += dy * yh;
            dbeta[i] += dy;
            var dyh = gamma[i] * dy;
            normalized[i] = yh;
            dnormalized[i] = dyh;
            sum += dyh;
            sumWith += dyh * yh;
        }
        return (sum, sumWith);
    }

    /// <summary>
    /// The second half: dz = rstd·(dŷ − m1 − ŷ·m2), the gradient at the second layer's pre-activation;
    /// adds t·dz, s·dz and dz to the running sums cu, cv, ct and returns (dz·f, dz·(t·p + s·q)).
    /// </summary>
    public static (double WithF, double WithTpSq) BackwardLinear(
        double t, double s, double rstd, double m1, double m2,
        ReadOnlySpan<double> normalized, ReadOnlySpan<double> dnormalized,
        ReadOnlySpan<double> p, ReadOnlySpan<double> q, ReadOnlySpan<double> f,
        Span<double> cu, Span<double> cv, Span<double> ct)
    {
        var h = p.Length;
        if (q.Length != h || f.Length != h || normalized.Length != h || dnormalized.Length != h || cu.Length != h || cv.Length != h || ct.Length != h)
            throw new ArgumentException("mismatched lengths");
        Vector<double> vt = new(t), vs = new(s), vr = new(rstd), v1 = new(m1), v2 = new(m2), withF = default, withTpSq = default;
        var i = 0;
        for (; i + Width <= h; i += Width)
        {
            var dz = vr * (Load(dnormalized, i) - v1 - Load(normalized, i) * v2);
            Store(Load(cu, i) + vt * dz, cu, i);
            Store(Load(cv, i) + vs * dz, cv, i);
            Store(Load(ct, i) + dz, ct, i);
            withF += dz * Load(f, i);
            withTpSq += dz * (vt * Load(p, i) + vs * Load(q, i));
        }
        double a = Vector.Sum(withF), b = Vector.Sum(withTpSq);
        for (; i < h; i++)
        {
            var dz = rstd * (dnormalized[i] - m1 - normalized[i] * m2);
            cu[i] += t * dz;
            cv[i] += s * dz;
            ct[i] += dz;
            a += dz * f[i];
            b += dz * (t * p[i] + s * q[i]);
        }
        return (a, b);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Words(int hidden) => (hidden + 63) / 64;
}
