using System.Text.Json;
using System.Text.Json.Serialization;

namespace MetaLora.Pipeline;

/// <summary>
/// The stages of one build-script target, as JSON (<c>[{"name", "params", "deps", "code", "outs"}]</c>), so
/// that one process can tell whether all of them are up to date: an unchanged rerun of the whole
/// study then starts a handful of processes instead of one per stage.
/// </summary>
public static class StagePlan
{
    private sealed record Entry(
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("params")] Dictionary<string, string>? Params,
        [property: JsonPropertyName("deps")] string[]? Deps,
        [property: JsonPropertyName("code")] string[]? Code,
        [property: JsonPropertyName("outs")] string[]? Outs);

    public static IReadOnlyList<StageSpec> Read(string path)
    {
        Entry[]? entries;
        try { entries = JsonSerializer.Deserialize<Entry[]>(File.ReadAllBytes(path)); }
        catch (JsonException e) { throw BadInputException.At(path, $"invalid stage plan ({e.Message})"); }
        catch (FileNotFoundException) { throw BadInputException.At(path, "file does not exist"); }
        if (entries is null || entries.Any(e => e is null || string.IsNullOrEmpty(e.Name)))
            throw BadInputException.At(path, "expected a list of stages, each with a \"name\"");
        return entries.Select(e => new StageSpec(e.Name,
            new SortedDictionary<string, string>(e.Params ?? [], StringComparer.Ordinal),
            e.Deps ?? [], e.Code ?? [], e.Outs ?? [])).ToArray();
    }

    /// <summary>Whether every stage is up to date; <paramref name="log"/> gets the "up to date" lines only when all are.</summary>
    public static bool AllUpToDate(IReadOnlyList<StageSpec> stages, string stagesDir, TextWriter log)
    {
        var runner = new StageRunner(stagesDir, TextWriter.Null);
        foreach (var stage in stages)
            if (!runner.Check(stage).UpToDate) return false;
        foreach (var stage in stages) log.WriteLine($"{stage.Name}: up to date");
        return true;
    }
}
