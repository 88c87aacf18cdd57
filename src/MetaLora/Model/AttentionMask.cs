using TorchSharp;
using static TorchSharp.torch;

namespace MetaLora.Model;

/// <summary>
/// The additive attention mask (B, 1, T, P + T) for T new queries after P cached positions: 0 where a
/// query may look, the dtype's most negative finite value where it may not. A key is visible when it is
/// not after the query (causal), is within the sliding window (query − key &lt; window), and is a real
/// token (padding mask = 1). A finite value rather than −∞ keeps rows that see nothing (queries at pad
/// positions) from turning into NaN; their outputs are never used.
/// </summary>
internal static class AttentionMask
{
    /// <param name="batch">B, the number of sequences.</param>
    /// <param name="queries">T, the new positions.</param>
    /// <param name="past">P, the positions already in the cache.</param>
    /// <param name="padding">(B, P + T), 1 for tokens and 0 for padding; null when nothing is padded.</param>
    /// <param name="slidingWindow">The model's sliding window; null for none.</param>
    /// <param name="dtype">The mask's dtype, that of the attention scores.</param>
    /// <param name="device">Where to build the mask.</param>
    public static Tensor Build(long batch, long queries, long past, Tensor? padding, int? slidingWindow, ScalarType dtype, Device device)
    {
        using var scope = NewDisposeScope();
        var keys = past + queries;
        using var first = past.ToScalar();
        using var end = keys.ToScalar();
        var q = arange(first, end, TorchScalars.One, ScalarType.Int64, device).unsqueeze(1);              // (T, 1)
        var k = arange(TorchScalars.Zero, end, TorchScalars.One, ScalarType.Int64, device).unsqueeze(0); // (1, P + T)
        var visible = k.le(q);
        if (slidingWindow is { } window)
        {
            using var width = window.ToScalar();
            visible = visible.logical_and(q.sub(k).lt(width));
        }
        visible = visible.unsqueeze(0).unsqueeze(0).expand(batch, 1, queries, keys);      // (B, 1, T, P + T)
        if (padding is not null)
        {
            if (padding.shape[0] != batch || padding.shape[1] != keys)
                throw new ArgumentException($"the padding mask is [{string.Join(", ", padding.shape)}], expected [{batch}, {keys}]", nameof(padding));
            visible = visible.logical_and(padding.to_type(ScalarType.Bool).unsqueeze(1).unsqueeze(1));
        }
        using var hidden = MostNegative(dtype).ToScalar();
        var blocked = zeros([batch, 1, queries, keys], dtype, device).masked_fill(visible.logical_not(), hidden);
        return blocked.MoveToOuterDisposeScope();
    }

    /// <summary>The most negative finite value of a floating type (torch.finfo(dtype).min).</summary>
    public static double MostNegative(ScalarType dtype) => dtype switch
    {
        ScalarType.Float16 => -65504.0,
        ScalarType.BFloat16 => -3.3895313892515355e38,
        ScalarType.Float64 => double.MinValue,
        _ => float.MinValue,
    };
}
