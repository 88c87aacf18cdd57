namespace MetaLora.Prediction.Coefficients;

/// <summary>
/// How distances become mixture coefficients. Declaration order is the canonical order;
/// <see cref="CoefficientModelNames.Name"/> gives the paper's names.
/// </summary>
public enum CoefficientModel { BaseVersion, NormalizedVersion, MlpVersion }
