using MetaLora.Formats;

namespace MetaLora.Bank.Embedded;

/// <summary>
/// One synthetic instruction task: a family (tasks of a family share structure, so their adapters are
/// related), a Natural-Instructions-style definition, and a seeded instance maker returning the
/// instance text and its answer.
/// </summary>
internal sealed record BankTask(string Name, string Family, string Definition, Func<Random, (string Instance, string Answer)> Make)
{
    /// <summary>The model's prompt for one instance, in Natural Instructions' layout.</summary>
    public string Prompt(string instance) => $"Definition: {Definition}\n\nInput: {instance}\n\nOutput:";

    public Sample Sample(string id, Random random)
    {
        var (instance, answer) = Make(random);
        return new Sample(id, Prompt(instance), [answer]);
    }
}
