using System.Text;
using static MetaLora.Tokenization.Templates.TemplateValues;

namespace MetaLora.Tokenization.Templates;

/// <summary>
/// The tests (<c>value is name</c>, <c>value is name(arg)</c>, <c>value is name arg</c>), each as Jinja
/// defines it; e.g. a boolean is a number, as in Python, and undefined is iterable and a sequence.
/// </summary>
internal static class TemplatePredicates
{
    private delegate bool Predicate(object? value, object? argument);

    private static readonly Predicate Same = (v, a) => Equal(v, a);
    private static readonly Predicate Different = (v, a) => !Equal(v, a);
    private static readonly Predicate Less = (v, a) => TemplateOperators.Compare("<", v, a);
    private static readonly Predicate LessOrEqual = (v, a) => TemplateOperators.Compare("<=", v, a);
    private static readonly Predicate Greater = (v, a) => TemplateOperators.Compare(">", v, a);
    private static readonly Predicate GreaterOrEqual = (v, a) => TemplateOperators.Compare(">=", v, a);

    private static readonly Dictionary<string, Predicate> Tests = new(StringComparer.Ordinal)
    {
        ["boolean"] = (v, _) => v is bool,
        ["callable"] = (v, _) => v is TemplateFunction or BoundMethod,
        ["defined"] = (v, _) => v is not Undefined,
        ["divisibleby"] = (v, a) => Equal(TemplateOperators.Binary("%", v, a, new RenderBudget()), 0L),
        ["eq"] = Same,
        ["equalto"] = Same,
        ["=="] = Same,
        ["even"] = (v, _) => Equal(TemplateOperators.Binary("%", v, 2L, new RenderBudget()), 0L),
        ["false"] = (v, _) => v is false,
        ["float"] = (v, _) => v is double,
        ["ge"] = GreaterOrEqual,
        [">="] = GreaterOrEqual,
        ["greaterthan"] = Greater,
        ["gt"] = Greater,
        [">"] = Greater,
        ["in"] = (v, a) => TemplateOperators.In(v, a),
        ["integer"] = (v, _) => v is long,
        ["iterable"] = (v, _) => v is string or TemplateList or TemplateDict or Undefined,
        ["le"] = LessOrEqual,
        ["<="] = LessOrEqual,
        ["lessthan"] = Less,
        ["lt"] = Less,
        ["<"] = Less,
        ["lower"] = (v, _) => HasCase(Str(v), upper: false),
        ["mapping"] = (v, _) => v is TemplateDict,
        ["ne"] = Different,
        ["!="] = Different,
        ["none"] = (v, _) => v is null,
        ["number"] = (v, _) => IsNumber(v),
        ["odd"] = (v, _) => Equal(TemplateOperators.Binary("%", v, 2L, new RenderBudget()), 1L),
        // Python's identity; equal strings and small numbers count as the same object, as CPython interns them.
        ["sameas"] = (v, a) => v is null ? a is null : v is bool or long or string ? Equal(v, a) && v.GetType() == a?.GetType() : ReferenceEquals(v, a),
        ["sequence"] = (v, _) => v is string or TemplateList or TemplateDict or Undefined,
        ["string"] = (v, _) => v is string,
        ["true"] = (v, _) => v is true,
        ["undefined"] = (v, _) => v is Undefined,
        ["upper"] = (v, _) => HasCase(Str(v), upper: true),
    };

    /// <summary>The tests that take one argument; the others take none.</summary>
    private static readonly HashSet<string> WithArgument =
        ["divisibleby", "eq", "equalto", "==", "ne", "!=", "lt", "<", "lessthan", "le", "<=", "gt", ">", "greaterthan", "ge", ">=", "in", "sameas"];

    public static bool IsKnown(string name) => Tests.ContainsKey(name);

    public static IEnumerable<string> Names => Tests.Keys.Where(k => char.IsAsciiLetter(k[0]));

    public static bool Apply(string name, object? value, CallArguments arguments)
    {
        if (!Tests.TryGetValue(name, out var test)) throw new ChatTemplateException($"unknown test '{name}'");
        var argument = WithArgument.Contains(name) ? arguments.BindRequired(name, 1, "other")[0] : arguments.Bind(name).FirstOrDefault();
        return test(value, argument);
    }

    /// <summary>Python's islower and isupper: some cased character, and none of the other case.</summary>
    private static bool HasCase(string text, bool upper)
    {
        var cased = false;
        foreach (var rune in text.EnumerateRunes())
        {
            if (Rune.IsUpper(rune) != upper && (Rune.IsUpper(rune) || Rune.IsLower(rune))) return false;
            cased |= upper ? Rune.IsUpper(rune) : Rune.IsLower(rune);
        }
        return cased;
    }
}
