namespace MetaLora.Distances;

/// <summary>
/// One hardware vector of doubles (or one double) with the operations the kernels need, all lane-wise.
/// Kernels are written once against this interface and instantiated per width (see <see cref="Vec512"/>
/// and its siblings); with <see cref="Lanes.Accumulate{V, TSummand}(Span{double}, int, int, TSummand)"/> they give the same bits at every width.
/// (The runtime's own ISimdVector interface would serve, but is not public in .NET 10.)
/// </summary>
internal interface IVector<TSelf> where TSelf : struct, IVector<TSelf>
{
    static abstract int Count { get; }

    static abstract TSelf Create(double value);

    /// <summary>Lanes source[offset..offset + Count], unchecked: callers validate their lengths once.</summary>
    static abstract TSelf Load(ReadOnlySpan<double> source, int offset);

    /// <summary>Writes destination[offset..offset + Count], unchecked like <see cref="Load"/>.</summary>
    static abstract void Store(TSelf value, Span<double> destination, int offset);

    /// <summary>row[ids[0]], ..., row[ids[Count - 1]]; every row + ids[k] must be inside one pinned array.</summary>
    static abstract unsafe TSelf Gather(double* row, int* ids);

    static abstract TSelf operator +(TSelf left, TSelf right);
    static abstract TSelf operator -(TSelf left, TSelf right);
    static abstract TSelf operator *(TSelf left, TSelf right);
    static abstract TSelf operator /(TSelf left, TSelf right);

    /// <summary>a b + c under the policy of <see cref="Lanes.HasFma"/>.</summary>
    static abstract TSelf MultiplyAdd(TSelf a, TSelf b, TSelf c);

    static abstract TSelf Abs(TSelf value);

    static abstract bool EqualsAll(TSelf left, TSelf right);

    /// <summary>
    /// Splits positive normal x into x = 2^e m with m in [sqrt(1/2), sqrt(2)); returns m, and e as an
    /// exact double. Zero, subnormal, negative and non-finite inputs are not handled.
    /// </summary>
    static abstract TSelf Frexp(TSelf value, out TSelf exponent);
}
