using MetaLora.Bank;
using MetaLora.Metrics;
using MetaLora.Pipeline;
using MetaLora.Prediction;

namespace MetaLora.Stages;

/// <summary>
/// One column of the paper's tables: <c>base</c> (no adapter), <c>finetuned</c> (each task's own bank
/// adapter) or <c>&lt;METRIC&gt;_&lt;model&gt;</c> (the adapter Predict made for the task from the other tasks').
/// </summary>
public sealed record InferPipeline(string Name, Metric? Metric, CoefficientModel? Model)
{
    public const string Base = "base";
    public const string Finetuned = "finetuned";

    /// <summary>What <see cref="Parse"/> accepts, for help texts and error messages.</summary>
    public const string Valid = "base, finetuned, <METRIC>_<model> (e.g. KL_base_version), all";

    public bool IsPredicted => Metric is not null;

    /// <summary>The folder holding the task's adapter, or null for the base model alone.</summary>
    public string? AdapterDir(BankInfo bank, DataLayout layout, string task) => Name switch
    {
        Base => null,
        Finetuned => bank.AdapterDir(task),
        _ => layout.PredictedAdapterDir(Metric!.Value.ToString(), Model!.Value.Name(), task),
    };

    /// <summary>base, finetuned, then every metric's base, normalized and mlp versions: the 14 columns in table order.</summary>
    public static IReadOnlyList<InferPipeline> All { get; } =
    [
        new(Base, null, null),
        new(Finetuned, null, null),
        .. Enum.GetValues<Metric>().SelectMany(m => Enum.GetValues<CoefficientModel>().Select(c => Predicted(m, c))),
    ];

    public static InferPipeline Predicted(Metric metric, CoefficientModel model) => new($"{metric}_{model.Name()}", metric, model);

    /// <summary>Parses a comma list of pipeline names (case-insensitive) into distinct pipelines in table order.</summary>
    public static IReadOnlyList<InferPipeline> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var raw in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (raw.Equals("all", StringComparison.OrdinalIgnoreCase))
            {
                wanted.UnionWith(All.Select(p => p.Name));
                continue;
            }
            var match = All.FirstOrDefault(p => p.Name.Equals(raw, StringComparison.OrdinalIgnoreCase))
                        ?? throw new BadInputException($"unknown pipeline '{raw}'; valid: {Valid}");
            wanted.Add(match.Name);
        }
        if (wanted.Count == 0) throw new BadInputException($"no pipeline given; valid: {Valid}");
        return All.Where(p => wanted.Contains(p.Name)).ToArray();
    }
}
