namespace MetaLora.Inference;

/// <summary>The Infer engines' names, as <c>--engine</c> and the stage parameter spell them.</summary>
internal static class InferEngineNames
{
    /// <summary>The stage parameter that selects an engine's code (see <c>[StageVariant]</c>); local stages do not name it.</summary>
    public const string Parameter = "engine";

    public const string Local = "local";
    public const string OpenAi = "openai";

    public const InferEngine Default = InferEngine.Local;

    internal static readonly NameTable<InferEngine> Table = new("engine", "engines", [(InferEngine.Local, Local), (InferEngine.OpenAi, OpenAi)]);

    public static string Name(this InferEngine engine) => Table.Name(engine);
}
