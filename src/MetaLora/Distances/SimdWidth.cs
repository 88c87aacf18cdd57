using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace MetaLora.Distances;

/// <summary>Vector widths the kernels can run at, narrowest first.</summary>
internal enum SimdWidth { Scalar, Bits128, Bits256, Bits512 }
