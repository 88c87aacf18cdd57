namespace MetaLora.Formats;

/// <summary>Writes one tensor's bytes; called once per tensor, in header order.</summary>
public delegate void TensorDataWriter(TensorSpec tensor, TensorSink sink);
