namespace MetaLora.Distances;

/// <summary>Two sums of terms per column, computed together a vector at a time (KL's two directions).</summary>
internal interface ISummandPair
{
    /// <summary>Adds the two terms of columns offset..offset + V.Count - 1 to first and second, lane by lane.</summary>
    void AddTo<V>(ref V first, ref V second, int offset) where V : struct, IVector<V>;
}
