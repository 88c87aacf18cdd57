using System.Runtime.CompilerServices;
using System.Text;
using static MetaLora.Tokenization.Templates.TemplateNode;

namespace MetaLora.Tokenization.Templates;

/// <summary>Runs a parsed template's statements once, within one <see cref="RenderBudget"/>, and returns the text.</summary>
internal sealed class TemplateRenderer
{
    private readonly RenderBudget _budget = new();
    private readonly ExpressionEvaluator _evaluator;
    private StringBuilder _output = new();

    private TemplateRenderer() => _evaluator = new ExpressionEvaluator(_budget);

    /// <summary>What a statement asks of the loop around it.</summary>
    private enum Flow { Next, Break, Continue }

    public static string Render(IReadOnlyList<TemplateNode> body, TemplateScope scope)
    {
        var renderer = new TemplateRenderer();
        renderer.Execute(body, scope);
        return renderer._output.ToString();
    }

    private Flow Execute(IReadOnlyList<TemplateNode> body, TemplateScope scope)
    {
        foreach (var node in body)
        {
            var flow = ExecutePlaced(node, scope);
            if (flow != Flow.Next) return flow;
        }
        return Flow.Next;
    }

    private Flow ExecutePlaced(TemplateNode node, TemplateScope scope)
    {
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
            throw ChatTemplateException.At(node.Line, node.Column, "the template is nested too deeply to render");
        try
        {
            return ExecuteNode(node, scope);
        }
        catch (ChatTemplateException e) when (!e.IsPositioned && !e.IsRaisedByTemplate)
        {
            throw e.PlacedAt(node.Line, node.Column);
        }
    }

    private Flow ExecuteNode(TemplateNode node, TemplateScope scope)
    {
        switch (node)
        {
            case Text text:
                Write(text.Value);
                return Flow.Next;
            case Output output:
                Write(TemplateValues.Str(_evaluator.Evaluate(output.Value, scope)));
                return Flow.Next;
            case If conditional:
                foreach (var (condition, body) in conditional.Branches)
                    if (TemplateValues.Truthy(_evaluator.Evaluate(condition, scope))) return Execute(body, scope);
                return Execute(conditional.Else, scope);
            case For loop:
                ExecuteFor(loop, scope);
                return Flow.Next;
            case Set set:
                Assign(set.Target, _evaluator.Evaluate(set.Value, scope), scope);
                return Flow.Next;
            case SetBlock block:
                scope.Set(block.Name, Capture(block.Body, scope.Child()));
                return Flow.Next;
            case LoopControl control:
                return control.IsBreak ? Flow.Break : Flow.Continue;
            case Generation generation:
                // transformers renders the body as a call block, which has its own scope.
                return Execute(generation.Body, scope.Child());
            default:
                throw new InvalidOperationException($"unknown statement {node.GetType().Name}");
        }
    }

    private void Write(string text)
    {
        _output.Append(text);
        RenderBudget.CheckOutput(_output);
    }

    /// <summary>Each iteration runs in its own child scope, so what the body sets is gone at the next one and after the loop.</summary>
    private void ExecuteFor(For loop, TemplateScope scope)
    {
        var items = TemplateValues.Iterate(_evaluator.Evaluate(loop.Iterable, scope));
        if (loop.Filter is { } filter)
            items = items.Where(item =>
            {
                _budget.Iteration();
                var test = scope.Child();
                Assign(loop.Target, item, test);
                return TemplateValues.Truthy(_evaluator.Evaluate(filter, test));
            }).ToArray();
        if (items.Count == 0)
        {
            Execute(loop.Else, scope.Child());
            return;
        }
        for (var i = 0; i < items.Count; i++)
        {
            _budget.Iteration();
            var iteration = scope.Child();
            Assign(loop.Target, items[i], iteration);
            iteration.Set("loop", new LoopContext(items, i));
            if (Execute(loop.Body, iteration) == Flow.Break) break;
        }
    }

    private static void Assign(AssignTarget target, object? value, TemplateScope scope)
    {
        if (target.Attribute is { } attribute)
        {
            if (scope.Lookup(target.Names[0]) is not TemplateNamespace ns)
                throw new ChatTemplateException($"cannot set '{target.Names[0]}.{attribute}': only a namespace() has attributes to set");
            ns.Set(attribute, value);
            return;
        }
        if (!target.Unpacks)
        {
            scope.Set(target.Names[0], value);
            return;
        }
        var items = TemplateValues.Iterate(value);
        if (items.Count != target.Names.Count)
            throw new ChatTemplateException($"cannot unpack {items.Count} values into {target.Names.Count} names");
        for (var i = 0; i < items.Count; i++) scope.Set(target.Names[i], items[i]);
    }

    private string Capture(IReadOnlyList<TemplateNode> body, TemplateScope scope)
    {
        var outer = _output;
        _output = new StringBuilder();
        try
        {
            Execute(body, scope);
            return _budget.Text(_output.ToString());
        }
        finally
        {
            _output = outer;
        }
    }
}
