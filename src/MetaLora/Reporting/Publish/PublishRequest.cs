namespace MetaLora.Reporting.Publish;

/// <summary>What to publish and the facts about how it was made that the caller gathered.</summary>
internal sealed record PublishRequest(
    string DataDir,
    string ResultsDir,
    string OutDir,
    string Bank,
    IReadOnlyDictionary<string, string> Arguments,
    GitInfo Git,
    ToolVersions Versions,
    MachineInfo Machine,
    long? SourceDateEpoch = null);
