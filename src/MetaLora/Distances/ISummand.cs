namespace MetaLora.Distances;

/// <summary>A kernel's terms, one per column, computed a vector at a time.</summary>
internal interface ISummand
{
    /// <summary>sum plus the terms of columns offset..offset + V.Count - 1, lane by lane.</summary>
    V AddTo<V>(V sum, int offset) where V : struct, IVector<V>;
}
