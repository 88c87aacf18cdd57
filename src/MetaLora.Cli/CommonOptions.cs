using System.CommandLine;
using MetaLora.Inference;
using MetaLora.Layout;

namespace MetaLora.Cli;

/// <summary>Options shared by the stage verbs, with the same names and defaults as the build script's arguments.</summary>
internal static class CommonOptions
{
    public static Option<string> DataDir() => new("--data-dir")
    {
        Description = "Folder for inputs and intermediates (tokens, distances, coefficients, adapters).",
        DefaultValueFactory = _ => DataLayout.DefaultDataDir,
    };

    public static Option<string> ResultsDir() => new("--results-dir")
    {
        Description = "Folder for results (generated outputs, tables, summaries, plots).",
        DefaultValueFactory = _ => ResultsLayout.DefaultResultsDir,
    };

    public static Option<string> Pipelines() => new("--pipeline")
    {
        Description = $"Pipelines, comma separated: {InferPipeline.Valid}.",
        Required = true,
    };

    /// <summary>No default of its own: without it, Infer takes the bank's, so every way of running Infer on a bank agrees.</summary>
    public static Option<int?> MaxNewTokens() => new("--max-new-tokens")
    {
        Description = "Most tokens generated per sample. Default: the bank's (bank.json's generation.max_new_tokens; without it, the paper's 256).",
    };

    public static Option<bool> Force() => new("--force") { Description = "Redo the work even when it is up to date." };
}
