namespace MetaLora.Repro.CodeIdentity;

/// <summary>
/// Marks the method that builds a verb's command (its options, defaults and action) as the root
/// of that verb's code: a stage's code fingerprint covers everything reachable from the entry of
/// the verb it runs. <paramref name="verb"/> is the command path, e.g. <c>distances</c> or <c>bank build</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
internal sealed class StageEntryAttribute(string verb) : Attribute
{
    public string Verb { get; } = verb;
}
