namespace MetaLora.Formats;

/// <summary>LoRA's <c>target_modules</c>: module names matched as name suffixes, or one regular expression.</summary>
public sealed class LoraTargetModules
{
    internal LoraTargetModules(IReadOnlyList<string>? names, string? pattern)
    {
        Names = names;
        Pattern = pattern;
    }

    /// <summary>The listed names; null when the config gives a single string.</summary>
    public IReadOnlyList<string>? Names { get; }

    /// <summary>The single string, which PEFT matches as a full-name regular expression; null for a list.</summary>
    public string? Pattern { get; }

    public bool IsPattern => Pattern is not null;

    public override string ToString() => Pattern ?? $"[{string.Join(", ", Names!)}]";
}
