namespace MetaLora.Evaluation;

/// <summary>A scored JSONL file: every row's scores, in file order, and their means.</summary>
internal sealed record ScoredFile(string Path, IReadOnlyList<PredictionRow> Rows, IReadOnlyList<SampleScores> Scores, SampleScores Mean);
