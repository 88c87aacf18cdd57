namespace MetaLora.Study;

/// <summary>The executors' names, as <c>--executor</c> spells them.</summary>
internal static class ExecutorNames
{
    public const string Local = "local";
    public const string Slurm = "slurm";

    public const Executor Default = Executor.Local;

    internal static readonly NameTable<Executor> Table = new("executor", "executors", [(Executor.Local, Local), (Executor.Slurm, Slurm)]);

    public static string Name(this Executor executor) => Table.Name(executor);
}
