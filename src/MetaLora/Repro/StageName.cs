namespace MetaLora.Repro;

/// <summary>Stage names: the kind, then the parts that tell its instances apart, joined by dots (<c>Coefficients.KL.base_version</c>).</summary>
internal static class StageName
{
    public static string Of(StageKind kind, params ReadOnlySpan<string> parts)
    {
        var name = kind.ToString();
        foreach (var part in parts) name += "." + part;
        return name;
    }

    /// <summary>The kind a stage name starts with; null for a name of no known kind.</summary>
    public static StageKind? KindOf(string name)
    {
        var first = name.Split('.')[0];
        foreach (var kind in Enum.GetValues<StageKind>())
            if (kind.ToString() == first) return kind;
        return null;
    }
}
