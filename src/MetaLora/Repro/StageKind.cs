namespace MetaLora.Repro;

/// <summary>The kinds of stage, in the order a study runs them; a stage's name starts with its kind.</summary>
public enum StageKind { Bank, Tokenize, Distances, Gram, Coefficients, Predict, Infer, Evaluate, Report }
