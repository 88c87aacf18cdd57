namespace MetaLora.Bank.Embedded;

/// <summary>The adapter initialisations' names, as <c>--adapter-init</c> spells them.</summary>
internal static class AdapterInitNames
{
    public const string Shared = "shared";
    public const string PerTask = "per-task";

    public const AdapterInit Default = AdapterInit.Shared;

    internal static readonly NameTable<AdapterInit> Table = new("adapter init", "adapter inits", [(AdapterInit.Shared, Shared), (AdapterInit.PerTask, PerTask)]);

    public static string Name(this AdapterInit init) => Table.Name(init);
}
