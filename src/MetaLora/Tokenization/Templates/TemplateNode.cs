namespace MetaLora.Tokenization.Templates;

/// <summary>A statement of a template: text, an output, or a block tag with its body.</summary>
internal abstract record TemplateNode(int Line, int Column)
{
    internal sealed record Text(string Value, int Line, int Column) : TemplateNode(Line, Column);

    /// <summary><c>{{ expression }}</c>.</summary>
    internal sealed record Output(TemplateExpression Value, int Line, int Column) : TemplateNode(Line, Column);

    /// <summary><c>{% if %}</c> with its <c>elif</c> branches in order and the <c>else</c> body (empty when there is none).</summary>
    internal sealed record If(IReadOnlyList<(TemplateExpression Condition, IReadOnlyList<TemplateNode> Body)> Branches, IReadOnlyList<TemplateNode> Else, int Line, int Column)
        : TemplateNode(Line, Column);

    /// <summary><c>{% for target in iterable if filter %}</c>; <see cref="Else"/> renders when no item passes.</summary>
    internal sealed record For(AssignTarget Target, TemplateExpression Iterable, TemplateExpression? Filter, IReadOnlyList<TemplateNode> Body, IReadOnlyList<TemplateNode> Else, int Line, int Column)
        : TemplateNode(Line, Column);

    /// <summary><c>{% set target = value %}</c>.</summary>
    internal sealed record Set(AssignTarget Target, TemplateExpression Value, int Line, int Column) : TemplateNode(Line, Column);

    /// <summary><c>{% set name %}body{% endset %}</c>: the rendered body becomes the variable.</summary>
    internal sealed record SetBlock(string Name, IReadOnlyList<TemplateNode> Body, int Line, int Column) : TemplateNode(Line, Column);

    /// <summary><c>{% break %}</c> or <c>{% continue %}</c> (transformers enables Jinja's loopcontrols).</summary>
    internal sealed record LoopControl(bool IsBreak, int Line, int Column) : TemplateNode(Line, Column);

    /// <summary>
    /// <c>{% generation %}...{% endgeneration %}</c>, transformers' marker of assistant text for training
    /// masks; it renders its body unchanged.
    /// </summary>
    internal sealed record Generation(IReadOnlyList<TemplateNode> Body, int Line, int Column) : TemplateNode(Line, Column);

    /// <summary>What a for loop or set assigns to: names (several unpack a sequence), or a namespace's attribute.</summary>
    internal sealed record AssignTarget(IReadOnlyList<string> Names, bool Unpacks, string? Attribute);
}
