namespace MetaLora.Evaluation;

/// <summary>One JSONL row to score: its line number, optional id, the prediction and the acceptable references.</summary>
internal sealed record PredictionRow(int Line, string? Id, string Prediction, IReadOnlyList<string> References);
