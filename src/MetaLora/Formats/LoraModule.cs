namespace MetaLora.Formats;

/// <summary>One adapted module: its down projection A (r x in) and up projection B (out x r).</summary>
public sealed class LoraModule
{
    internal LoraModule(string name, TensorInfo a, TensorInfo b)
    {
        Name = name;
        A = a;
        B = b;
    }

    /// <summary>The key prefix, e.g. <c>base_model.model.model.layers.0.self_attn.q_proj</c>.</summary>
    public string Name { get; }
    public TensorInfo A { get; }
    public TensorInfo B { get; }
    public long Rank => A.Shape[0];
    public long InFeatures => A.Shape[1];
    public long OutFeatures => B.Shape[0];
}
