using static TorchSharp.torch;

namespace MetaLora.Model;

/// <summary>
/// Keys and values of every layer for the tokens seen so far, so that each new token costs one
/// position's work instead of re-running the whole sequence. Storage is allocated once for the full
/// length (prompt + new tokens) and filled in place: no concatenation per step.
/// </summary>
internal sealed class KvCache : IDisposable
{
    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;

    public KvCache(MistralConfig config, long batch, long capacity, ScalarType dtype, Device? device = null)
    {
        Capacity = capacity;
        _keys = new Tensor[config.NumHiddenLayers];
        _values = new Tensor[config.NumHiddenLayers];
        for (var i = 0; i < config.NumHiddenLayers; i++)
        {
            _keys[i] = zeros([batch, config.NumKeyValueHeads, capacity, config.HeadDim], dtype, device);
            _values[i] = zeros([batch, config.NumKeyValueHeads, capacity, config.HeadDim], dtype, device);
        }
    }

    /// <summary>Positions filled so far (the same for every layer between forward passes).</summary>
    public long Length { get; private set; }

    public long Capacity { get; }

    /// <summary>
    /// Stores layer <paramref name="layer"/>'s keys and values (B, kv heads, T, D) after the cached ones
    /// and returns views of everything cached for that layer, new positions included.
    /// </summary>
    internal (Tensor Keys, Tensor Values) Update(int layer, Tensor keys, Tensor values)
    {
        var t = keys.shape[2];
        if (Length + t > Capacity)
            throw new InvalidOperationException($"the KV cache holds {Capacity} positions; {Length} are used and {t} more do not fit");
        using (var slot = _keys[layer].narrow(2, Length, t)) slot.copy_(keys);
        using (var slot = _values[layer].narrow(2, Length, t)) slot.copy_(values);
        return (_keys[layer].narrow(2, 0, Length + t), _values[layer].narrow(2, 0, Length + t));
    }

    /// <summary>Called by the model once every layer has stored its <paramref name="tokens"/> new positions.</summary>
    internal void Advance(long tokens) => Length += tokens;

    public void Dispose()
    {
        foreach (var t in _keys) t.Dispose();
        foreach (var t in _values) t.Dispose();
    }
}
