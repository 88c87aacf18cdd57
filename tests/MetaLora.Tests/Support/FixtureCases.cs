using System.Text.Json;
using System.Text.Json.Serialization;

namespace MetaLora.Tests.Support;

/// <summary>
/// A committed reference fixture (Fixtures/*.json, written once by a script beside it) of the form
/// {"cases": [{"name": ..., ...}, ...]}, loaded once and addressed by case name from theories.
/// </summary>
internal sealed class FixtureCases<TCase>(string fileName, Func<TCase, string> name)
{
    private sealed record FixtureFile([property: JsonPropertyName("cases")] TCase[] Cases);

    private readonly Lazy<TCase[]> _cases = new(() =>
        JsonSerializer.Deserialize<FixtureFile>(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", fileName)))!.Cases);

    public TCase this[string caseName] => _cases.Value.Single(c => name(c) == caseName);

    public IReadOnlyList<TCase> All => _cases.Value;

    public TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var c in _cases.Value)
            data.Add(name(c));
        return data;
    }
}
