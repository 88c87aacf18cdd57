using MetaLora.Bank;
using MetaLora.Distances;
using MetaLora.Layout;
using MetaLora.Prediction.Baselines;
using MetaLora.Prediction.Coefficients;
using MetaLora.Prediction.Combining;
using MetaLora.Repro;

namespace MetaLora.Inference;

/// <summary>
/// One column of the paper's tables: <c>base</c> (no adapter), <c>finetuned</c> (each task's own bank
/// adapter), <c>&lt;METRIC&gt;_&lt;model&gt;</c> (the adapter Predict made for the task from the other tasks'),
/// the same with another combiner (<c>KL_base_version+delta</c>), or a baseline: <c>uniform</c> (the plain
/// average of the other adapters, also <c>uniform+delta</c>, ...) or <c>nearest_&lt;METRIC&gt;</c> (the closest task's own adapter).
/// </summary>
/// <param name="Name">The pipeline's name, also its folder and column.</param>
/// <param name="Metric">The distance it uses, if any.</param>
/// <param name="Model">The coefficient model, for the paper's predicted pipelines.</param>
/// <param name="Combiner">How its adapters were combined (the paper's for base, finetuned and nearest).</param>
/// <param name="Baseline">The baseline it is, if any.</param>
internal sealed record InferPipeline(string Name, Metric? Metric, CoefficientModel? Model, Combiner Combiner = Combiner.Paper, Baseline? Baseline = null)
{
    public const string Base = "base";
    public const string Finetuned = "finetuned";

    /// <summary>The name of the Infer stage that runs this pipeline.</summary>
    public string StageName() => Repro.StageName.Of(StageKind.Infer, Name);

    /// <summary>What <see cref="Parse"/> accepts, for help texts and error messages.</summary>
    public const string Valid = "base, finetuned, <METRIC>_<model> (e.g. KL_base_version), <METRIC>_<model>+<combiner> (linear-sqrt, delta), uniform, uniform+<combiner>, nearest_<METRIC>, all";

    /// <summary>Whether its adapters come from the Predict target (the paper's pipelines and the baselines).</summary>
    public bool IsPredicted => Name is not Base and not Finetuned;

    /// <summary>The folder holding the task's adapter, or null for the base model alone.</summary>
    public string? AdapterDir(BankInfo bank, DataLayout layout, string task) => Name switch
    {
        Base => null,
        Finetuned => bank.AdapterDir(task),
        _ => AdaptersIn(layout) is { } root ? Path.Combine(root, task) : null,
    };

    /// <summary>The folder of a predicted pipeline's per-task adapters (null for base and finetuned).</summary>
    public string? AdaptersIn(DataLayout layout) =>
        Baseline == Prediction.Baselines.Baseline.Uniform ? Path.Combine(layout.PredictedAdaptersDir, Name)
        : Baseline == Prediction.Baselines.Baseline.Nearest ? Path.Combine(layout.PredictedAdaptersDir, Metric!.Value.ToString(), Prediction.Baselines.Baseline.Nearest.Name())
        : Model is { } model ? Path.Combine(layout.PredictedAdaptersDir, Metric!.Value.ToString(), model.Name() + Combiner.Suffix())
        : null;

    /// <summary>base, finetuned, then every metric's base, normalized and mlp versions: the paper's 14 columns in table order (what "all" selects).</summary>
    public static IReadOnlyList<InferPipeline> All { get; } =
    [
        new(Base, null, null),
        new(Finetuned, null, null),
        .. Enum.GetValues<Metric>().SelectMany(m => Enum.GetValues<CoefficientModel>().Select(c => Predicted(m, c))),
    ];

    /// <summary>
    /// Every pipeline there can be, in table order: base, finetuned, the baselines (uniform under each
    /// combiner, nearest per metric), then per metric and model each combiner.
    /// </summary>
    public static IReadOnlyList<InferPipeline> Known { get; } =
    [
        new(Base, null, null),
        new(Finetuned, null, null),
        .. Enum.GetValues<Combiner>().Select(Uniform),
        .. Enum.GetValues<Metric>().Select(Nearest),
        .. Enum.GetValues<Metric>().SelectMany(m => Enum.GetValues<CoefficientModel>().SelectMany(c => Enum.GetValues<Combiner>().Select(k => Predicted(m, c, k)))),
    ];

    public static InferPipeline Predicted(Metric metric, CoefficientModel model, Combiner combiner = Combiner.Paper) =>
        new($"{metric}_{model.Name()}{combiner.Suffix()}", metric, model, combiner);

    /// <summary>The uniform average of the other tasks' adapters, under <paramref name="combiner"/>.</summary>
    public static InferPipeline Uniform(Combiner combiner) =>
        new(Prediction.Baselines.Baseline.Uniform.Name() + combiner.Suffix(), null, null, combiner, Prediction.Baselines.Baseline.Uniform);

    /// <summary>The closest task's own adapter by <paramref name="metric"/>.</summary>
    public static InferPipeline Nearest(Metric metric) =>
        new($"{Prediction.Baselines.Baseline.Nearest.Name()}_{metric}", metric, null, Combiner.Paper, Prediction.Baselines.Baseline.Nearest);

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
            var match = Known.FirstOrDefault(p => p.Name.Equals(raw, StringComparison.OrdinalIgnoreCase))
                        ?? throw new BadInputException($"unknown pipeline '{raw}'; valid: {Valid}");
            wanted.Add(match.Name);
        }
        if (wanted.Count == 0) throw new BadInputException($"no pipeline given; valid: {Valid}");
        return Known.Where(p => wanted.Contains(p.Name)).ToArray();
    }
}
