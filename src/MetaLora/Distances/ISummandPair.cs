using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace MetaLora.Distances;

/// <summary>Two sums of terms per column, computed together a vector at a time (KL's two directions).</summary>
internal interface ISummandPair
{
    /// <summary>Adds the two terms of columns offset..offset + V.Count - 1 to first and second, lane by lane.</summary>
    void AddTo<V>(ref V first, ref V second, int offset) where V : struct, IVector<V>;
}
