namespace MetaLora.Bank.Embedded;

/// <summary>How the embedded bank initialises its adapters' A matrices.</summary>
internal enum AdapterInit
{
    /// <summary>One random A for every task, so tasks differ only in what they learn.</summary>
    Shared,

    /// <summary>A random A of its own per task, as independent fine-tunes have.</summary>
    PerTask,
}
