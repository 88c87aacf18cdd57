namespace MetaLora.Cli.Bench;

/// <summary>Synthetic tasks shaped like tokenised datasets, for timing the distance metrics.</summary>
internal sealed record SyntheticTasks(IReadOnlyList<int[]> Tokens, IReadOnlyList<string> Names, int VocabSize);
