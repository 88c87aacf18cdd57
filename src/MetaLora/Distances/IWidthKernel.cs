namespace MetaLora.Distances;

/// <summary>Code written once against <see cref="IVector{TSelf}"/>, run by <see cref="Lanes.Dispatch"/> at the chosen width.</summary>
internal interface IWidthKernel<TResult>
{
    TResult Run<V>() where V : struct, IVector<V>;
}
