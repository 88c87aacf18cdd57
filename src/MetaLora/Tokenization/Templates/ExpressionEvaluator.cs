using System.Runtime.CompilerServices;
using static MetaLora.Tokenization.Templates.TemplateExpression;

namespace MetaLora.Tokenization.Templates;

/// <summary>Evaluates expressions in a scope; a problem is reported at the innermost expression it arose in.</summary>
internal sealed class ExpressionEvaluator(RenderBudget budget)
{
    public object? Evaluate(TemplateExpression expression, TemplateScope scope)
    {
        // A long chain of operators nests as deeply as it is long; stop before the stack does.
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
            throw ChatTemplateException.At(expression.Line, expression.Column, "the expression is nested too deeply to evaluate");
        try
        {
            return EvaluateNode(expression, scope);
        }
        catch (ChatTemplateException e) when (!e.IsPositioned && !e.IsRaisedByTemplate)
        {
            throw e.PlacedAt(expression.Line, expression.Column);
        }
    }

    private object? EvaluateNode(TemplateExpression expression, TemplateScope scope) => expression switch
    {
        Literal literal => literal.Value,
        Variable variable => scope.Lookup(variable.Name),
        Sequence sequence => new TemplateList(sequence.Items.Select(item => Evaluate(item, scope)).ToArray(), sequence.IsTuple),
        Mapping mapping => new TemplateDict(mapping.Pairs
            .Select(pair => new KeyValuePair<object?, object?>(Evaluate(pair.Key, scope), Evaluate(pair.Value, scope))).ToList()),
        TemplateExpression.Attribute attribute => TemplateAccess.Attribute(Evaluate(attribute.Target, scope), attribute.Name),
        Item item => TemplateAccess.Item(Evaluate(item.Target, scope), Evaluate(item.Key, scope)),
        Slice slice => TemplateAccess.Slice(Evaluate(slice.Target, scope), Optional(slice.Start, scope), Optional(slice.Stop, scope), Optional(slice.Step, scope)),
        Call call => TemplateCalls.Invoke(Evaluate(call.Target, scope), Arguments(call.Arguments, scope), budget),
        Filter filter => TemplateFilters.Apply(filter.Name, Evaluate(filter.Target, scope), Arguments(filter.Arguments, scope), budget),
        Test test => TemplatePredicates.Apply(test.Name, Evaluate(test.Target, scope), Arguments(test.Arguments, scope)),
        Unary unary => TemplateOperators.Unary(unary.Operator, Evaluate(unary.Operand, scope)),
        Binary binary => TemplateOperators.Binary(binary.Operator, Evaluate(binary.Left, scope), Evaluate(binary.Right, scope), budget),
        Comparison comparison => Compare(comparison, scope),
        Logical logical => Logic(logical, scope),
        Conditional conditional => TemplateValues.Truthy(Evaluate(conditional.Condition, scope))
            ? Evaluate(conditional.Then, scope)
            : conditional.Else is { } otherwise ? Evaluate(otherwise, scope) : new Undefined("the condition of an 'if' without 'else' was false"),
        _ => throw new InvalidOperationException($"unknown expression {expression.GetType().Name}"),
    };

    private object? Optional(TemplateExpression? expression, TemplateScope scope) => expression is null ? null : Evaluate(expression, scope);

    private CallArguments Arguments(ArgumentList arguments, TemplateScope scope) =>
        arguments.Positional.Count == 0 && arguments.Named.Count == 0
            ? CallArguments.None
            : new CallArguments(
                arguments.Positional.Select(a => Evaluate(a, scope)).ToArray(),
                arguments.Named.Select(a => new KeyValuePair<string, object?>(a.Name, Evaluate(a.Value, scope))).ToArray());

    /// <summary>A chain holds when each comparison does; later operands are not evaluated once one fails, as in Python.</summary>
    private bool Compare(Comparison comparison, TemplateScope scope)
    {
        var left = Evaluate(comparison.First, scope);
        foreach (var (op, operand) in comparison.Rest)
        {
            var right = Evaluate(operand, scope);
            if (!TemplateOperators.Compare(op, left, right)) return false;
            left = right;
        }
        return true;
    }

    private object? Logic(Logical logical, TemplateScope scope)
    {
        var left = Evaluate(logical.Left, scope);
        return TemplateValues.Truthy(left) == logical.IsAnd ? Evaluate(logical.Right, scope) : left;
    }
}
