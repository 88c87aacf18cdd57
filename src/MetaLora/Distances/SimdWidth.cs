namespace MetaLora.Distances;

/// <summary>Vector widths the kernels can run at, narrowest first.</summary>
internal enum SimdWidth { Scalar, Bits128, Bits256, Bits512 }
