namespace MetaLora.Tokenization.Templates;

/// <summary>
/// Jinja's undefined value: what an unknown variable, a missing key or attribute and an out-of-range
/// index give. It renders as nothing, is false, iterates as empty and fails <c>is defined</c>; using it
/// any further (an attribute, a call, arithmetic) is an error that says why it is undefined.
/// </summary>
internal sealed class Undefined(string reason)
{
    /// <summary>Why the value is undefined, as Jinja words it ("'x' is undefined").</summary>
    public string Reason { get; } = reason;

    public static Undefined Named(string name) => new($"'{name}' is undefined");

    public static Undefined NoAttribute(object? owner, string name) => new($"'{Owner(owner)}' has no attribute '{name}'");

    public static Undefined NoElement(object? owner, object? key) => new($"{Owner(owner)} has no element {TemplateValues.Repr(key)}");

    private static string Owner(object? owner) => owner is null ? "None" : $"{TemplateValues.TypeName(owner)} object";

    public ChatTemplateException Error() => new(Reason);
}
