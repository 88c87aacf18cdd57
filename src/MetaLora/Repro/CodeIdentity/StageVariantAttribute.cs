namespace MetaLora.Repro.CodeIdentity;

/// <summary>
/// Marks a type as one alternative of a stage parameter, e.g. the KL metric (<c>metric=KL</c>) or the
/// mlp_version coefficient model (<c>model=mlp_version</c>). When a stage instance fixes that parameter
/// to another value, its code fingerprint does not follow calls from shared code into this type:
/// shared code must reach an alternative only when the parameter names it (a switch on the
/// parameter), so editing KL reruns the KL stages and not WD's. Calls from one alternative into
/// another (mlp_version standardises rows as normalized_version does) are followed as usual.
/// <para>
/// One alternative of a parameter may be its default (<see cref="IsDefault"/>): a stage that does not
/// name the parameter at all runs that one, so adding a parameter keeps the identity of the stages
/// that never name it (the local Infer engine, when <c>engine</c> is not given).
/// </para>
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
internal sealed class StageVariantAttribute(string parameter, string value) : Attribute
{
    public string Parameter { get; } = parameter;
    public string Value { get; } = value;

    /// <summary>This alternative is what a stage runs when its parameters do not name <see cref="Parameter"/>.</summary>
    public bool IsDefault { get; set; }
}
