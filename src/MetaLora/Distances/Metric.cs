namespace MetaLora.Distances;

/// <summary>Distances between the token distributions of two tasks. Declaration order is the canonical order.</summary>
public enum Metric { WD, KL, JS, MMD }
