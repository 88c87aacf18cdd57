using MetaLora.Evaluation;
using MetaLora.Formats;
using MetaLora.Distances;
using MetaLora.Inference;
using MetaLora.Layout;
using MetaLora.Prediction.Baselines;
using MetaLora.Prediction.Coefficients;
using MetaLora.Prediction.Coefficients.Mlp;
using MetaLora.Prediction.Combining;
using MetaLora.Bank;
using MetaLora.Bank.Embedded;
using MetaLora.Reporting.Publish;
using MetaLora.Repro;

namespace MetaLora.Study;

/// <summary>
/// The stage instances of a study, in run order, each in the paper stage (build-script task) it
/// belongs to: Bank, Tokenize, Distances, Predict (Gram, Coefficients, Predict), Infer, Evaluate,
/// Report. Paths come from <see cref="DataLayout"/> and <see cref="ResultsLayout"/>, names from
/// <see cref="Metric"/>, <see cref="CoefficientModel"/>, <see cref="InferPipeline"/> and
/// <see cref="SampleScores"/>: this is the one place that says what each stage reads, writes and runs.
/// </summary>
public sealed class StageGraph
{
    /// <summary>The build-script tasks that hold stages, in dependency order (see <see cref="StageGroup"/>).</summary>
    public static IReadOnlyList<string> Groups => StageGroup.All.Select(g => g.Name).ToArray();

    private readonly List<StageSpec> _stages = [];

    public StageGraph(StudyOptions study)
    {
        Study = study;
        Build();
    }

    public StudyOptions Study { get; }

    /// <summary>Every stage, in run order.</summary>
    public IReadOnlyList<StageSpec> Stages => _stages;

    /// <summary>The stages of one build-script task.</summary>
    public IReadOnlyList<StageSpec> Group(string group) => _stages.Where(s => s.Group == group).ToArray();

    /// <summary>The stages a target needs: its own group and every group before it (Publish needs all, Clean none).</summary>
    public IReadOnlyList<StageSpec> For(string target)
    {
        var groups = Groups.ToList();
        var last = target == StudyTarget.Publish.Name ? groups.Count - 1
            : target == StudyTarget.Clean.Name ? -1
            : groups.IndexOf(target);
        return _stages.Where(s => groups.IndexOf(s.Group) <= last).ToArray();
    }

    /// <summary>The Infer pipelines (columns of the result tables): base, finetuned, then the selected metrics and models.</summary>
    internal IReadOnlyList<InferPipeline> Pipelines =>
    [
        .. InferPipeline.All.Take(2),
        .. Study.Baselines.Contains(Baseline.Uniform) ? Study.Combiners.Select(InferPipeline.Uniform) : [],
        .. Study.Baselines.Contains(Baseline.Nearest) ? Study.Metrics.Select(InferPipeline.Nearest) : [],
        .. Study.Metrics.SelectMany(m => Study.Models.SelectMany(c => Study.Combiners.Select(k => InferPipeline.Predicted(m, c, k)))),
    ];

    /// <summary>The Predict stage that makes a predicted pipeline's adapters.</summary>
    internal static string PredictStageOf(InferPipeline pipeline) =>
        pipeline.Baseline == Baseline.Uniform ? StageName.Of(StageKind.Predict, pipeline.Name)
        : pipeline.Baseline == Baseline.Nearest ? StageName.Of(StageKind.Predict, pipeline.Metric!.Value.ToString(), Baseline.Nearest.Name())
        : StageName.Of(StageKind.Predict, pipeline.Metric!.Value.ToString(), pipeline.Model!.Value.Name() + pipeline.Combiner.Suffix());

    /// <summary>
    /// With <c>--executor=slurm</c>: the command that runs Infer as an sbatch array job (one task per
    /// shard). The shards fill the outputs; the Infer stages then find every task done and only record
    /// their manifests.
    /// </summary>
    public IReadOnlyList<string>? SlurmSubmitCommand => Study.Executor != Executor.Slurm ? null :
    [
        "slurm", "submit", "--pipeline", string.Join(",", Pipelines.Select(p => p.Name)), "--bank-dir", Bank, "--data-dir", Study.DataDir,
        "--results-dir", Study.ResultsDir, "--limit", Limit, .. MaxNewTokensWords,
        "--batch-size", StudyOptions.Inv(Study.BatchSize), "--shards", StudyOptions.Inv(Study.Shards), .. Study.SlurmArguments,
        .. Study.ServerArguments.SelectMany(a => ServerWords(a.Key, a.Value)),
        .. Study.SlurmDryRun ? ["--dry-run"] : Array.Empty<string>(),
    ];

    /// <summary>The command of the Publish target (not a stage: cheap, and it must always reflect the manifests as they are).</summary>
    public IReadOnlyList<string> PublishCommand =>
    [
        "publish", "--data-dir", Study.DataDir, "--results-dir", Study.ResultsDir, "--out", PublishBundle.DefaultFolder, "--bank", Study.BundleBank,
        .. Study.Recorded().SelectMany(a => new[] { "--arg", $"{a.Key}={a.Value}" }),
    ];

    /// <summary>
    /// The Infer stages' max-new-tokens parameter when <c>--max-new-tokens</c> is not given: the number
    /// is then bank.json's (an input of every Infer stage), which infer reads itself. The parameter is
    /// the same whether the bank is the default one or named by its path, and so are the stages.
    /// </summary>
    public const string MaxNewTokensFromBank = "bank.json";

    /// <summary><c>--max-new-tokens N</c> when given; nothing otherwise, so that infer takes the bank's.</summary>
    private string[] MaxNewTokensWords => Study.MaxNewTokens is { } n ? ["--max-new-tokens", StudyOptions.Inv(n)] : [];

    private string Bank => Study.BankDir;
    private string Limit => StudyOptions.Inv(Study.Limit);
    private string Seed => Study.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture);
    private DataLayout Data => Study.DataLayout;
    private ResultsLayout Results => Study.ResultsLayout;

    private string[] BankAdapters => AdapterFiles($"{Bank}/adapters");

    /// <summary>
    /// What inference reads of a folder of adapter folders: weights and config. Sidecars (the delta
    /// combiner's report, the nearest baseline's note) are not inputs of Infer, so a report that
    /// changes in its last digits does not rerun generation.
    /// </summary>
    private static string[] AdapterFiles(string folder) => [$"{folder}/*/{PeftAdapter.WeightsFileName}", $"{folder}/*/{PeftAdapter.ConfigFileName}"];

    private void Add(StageKind kind, string name, StageBuilder stage, IEnumerable<string> deps, IEnumerable<string> outs, IEnumerable<string> upstream) =>
        _stages.Add(new StageSpec(name, new SortedDictionary<string, string>(stage.Parameters.ToDictionary(), StringComparer.Ordinal),
            deps.Select(Slash).ToArray(), outs.Select(Slash).ToArray(), StageGroup.Of(kind).Name, stage.Verb, stage.Command.ToArray(), upstream.ToArray()));

    private static string Slash(string path) => path.Replace('\\', '/');

    /// <summary>An openai engine argument as infer's words: one <c>--server-path-map</c> per map.</summary>
    private static IEnumerable<string> ServerWords(string name, string value) => name == "server-path-map"
        ? value.Split(',').SelectMany(map => new[] { "--server-path-map", map })
        : ["--" + name, value];

    /// <summary>The bank, data folder and task limit most verbs take, in the order they take them.</summary>
    private StageBuilder Common(StageBuilder stage) =>
        stage.Value("bank-dir", Bank).Words("--data-dir", Study.DataDir).Value("limit", Limit);

    /// <summary>
    /// A Predict stage's combiner. The parameters name the combiner (and that no baseline runs), so the
    /// stage's code identity holds only that combiner's code; the paper's command stays as it was (its default).
    /// </summary>
    private StageBuilder Combining(StageBuilder stage, Combiner combiner)
    {
        stage.Param(CombinerNames.Parameter, combiner.Name()).Param(BaselineNames.Parameter, BaselineNames.None);
        if (combiner == Combiner.Paper) return stage;
        stage.Words("--combine", combiner.Name());
        if (combiner == Combiner.Delta)
            stage.Value("combine-rank", StudyOptions.Inv(Study.CombineRank))
                 .Value("top-k", Study.TopK == 0 ? CombinerNames.AllCoefficients : StudyOptions.Inv(Study.TopK));
        return stage;
    }

    private void Build()
    {
        var bankStage = AddBank();
        string[] afterBank = bankStage is null ? [] : [bankStage];
        AddTokenize(afterBank);
        foreach (var metric in Study.Metrics) AddDistances(metric);
        if (Study.Models.Contains(CoefficientModel.MlpVersion))
            Add(StageKind.Gram, StageName.Of(StageKind.Gram), Common(new StageBuilder(StageVerbs.Gram)),
                [$"{Bank}/bank.json", .. BankAdapters], [Data.GramFile], afterBank);
        foreach (var metric in Study.Metrics)
            foreach (var model in Study.Models)
            {
                AddCoefficients(metric, model);
                foreach (var combiner in Study.Combiners) AddPredicted(InferPipeline.Predicted(metric, model, combiner), afterBank);
            }
        foreach (var pipeline in Pipelines.Where(p => p.Baseline is not null)) AddBaseline(pipeline, afterBank);
        var pipelines = Pipelines;
        foreach (var pipeline in pipelines) AddInfer(pipeline, afterBank);
        AddEvaluate(pipelines);
        AddReport(pipelines);
    }

    /// <summary>Patterns are optional inputs: a bank may have no parquet files or no tokenizer_config.json.</summary>
    private void AddTokenize(string[] afterBank) =>
        Add(StageKind.Tokenize, StageName.Of(StageKind.Tokenize), Common(new StageBuilder(StageVerbs.Tokenize)),
            [$"{Bank}/bank.json", $"{Bank}/datasets/*/train.jsonl", $"{Bank}/datasets/*/train*.parquet", $"{Bank}/datasets/*/data/train*.parquet", $"{Bank}/base_model/tokenizer*.model", $"{Bank}/base_model/tokenizer_config*.json"],
            [$"{Data.TokensDir}/*.npy"],
            afterBank);

    private void AddDistances(Metric metric)
    {
        var stage = Common(new StageBuilder(StageVerbs.Distances).Value(MetricNames.Parameter, metric.ToString()));
        if (metric == Metric.MMD) stage.Value("seed", Seed);
        Add(StageKind.Distances, StageName.Of(StageKind.Distances, metric.ToString()), stage,
            [$"{Bank}/bank.json", $"{Data.TokensDir}/*.npy"], [Data.DistanceFile(metric.ToString())], [StageName.Of(StageKind.Tokenize)]);
    }

    private void AddCoefficients(Metric metric, CoefficientModel model)
    {
        var (m, name) = (metric.ToString(), model.Name());
        var stage = Common(new StageBuilder(StageVerbs.Coefficients).Value(MetricNames.Parameter, m).Value(CoefficientModelNames.Parameter, name));
        List<string> deps = [$"{Bank}/bank.json", Data.DistanceFile(m)];
        List<string> outs = [Data.CoefficientFile(m, name)];
        List<string> upstream = [StageName.Of(StageKind.Distances, m)];
        if (model == CoefficientModel.MlpVersion)
        {
            // The engine also selects code: the stage's identity covers only the chosen engine's.
            stage.Value("mlp-hidden", StudyOptions.Inv(Study.MlpHidden)).Value(MlpEngineNames.Parameter, Study.MlpEngine.Name()).Value("seed", Seed);
            deps.AddRange([Data.GramFile, .. BankAdapters]);
            outs.AddRange(new[] { "training_log.csv", "split.json", "mlp.dat", "mlp.json" }.Select(f => Path.Combine(Data.CoefficientsDir(m, name), f)));
            upstream.Add(StageName.Of(StageKind.Gram));
        }
        Add(StageKind.Coefficients, StageName.Of(StageKind.Coefficients, m, name), stage, deps, outs, upstream);
    }

    private void AddPredicted(InferPipeline pipeline, string[] afterBank)
    {
        var (m, name) = (pipeline.Metric!.Value.ToString(), pipeline.Model!.Value.Name());
        var stage = new StageBuilder(StageVerbs.Predict).Value(MetricNames.Parameter, m).Value(CoefficientModelNames.Parameter, name);
        Add(StageKind.Predict, PredictStageOf(pipeline), Common(Combining(stage, pipeline.Combiner)),
            [$"{Bank}/bank.json", Data.CoefficientFile(m, name), .. BankAdapters],
            [$"{Slash(pipeline.AdaptersIn(Data)!)}/**"],
            [StageName.Of(StageKind.Coefficients, m, name), .. afterBank]);
    }

    private void AddBaseline(InferPipeline pipeline, string[] afterBank)
    {
        var baseline = pipeline.Baseline!.Value;
        var stage = new StageBuilder(StageVerbs.Predict).Words("--baseline", baseline.Name());
        List<string> deps = [$"{Bank}/bank.json", .. BankAdapters];
        List<string> upstream = [.. afterBank];
        if (baseline == Baseline.Uniform)
            Combining(stage, pipeline.Combiner);
        else
        {
            var m = pipeline.Metric!.Value.ToString();
            // Copies adapters: no combiner runs.
            stage.Value(MetricNames.Parameter, m).Param(CombinerNames.Parameter, CombinerNames.None);
            deps.Add(Data.DistanceFile(m));
            upstream.Add(StageName.Of(StageKind.Distances, m));
        }
        stage.Param(BaselineNames.Parameter, baseline.Name());
        Add(StageKind.Predict, PredictStageOf(pipeline), Common(stage), deps, [$"{Slash(pipeline.AdaptersIn(Data)!)}/**"], upstream);
    }

    private void AddInfer(InferPipeline pipeline, string[] afterBank)
    {
        var stage = new StageBuilder(StageVerbs.Infer).Value("pipeline", pipeline.Name).Value("bank-dir", Bank)
            .Words("--data-dir", Study.DataDir, "--results-dir", Study.ResultsDir).Value("limit", Limit)
            .Param("max-new-tokens", Study.MaxNewTokens is { } n ? StudyOptions.Inv(n) : MaxNewTokensFromBank).Words(MaxNewTokensWords);
        // The local engine's parameters are as they were before engines existed (its stages keep their identity);
        // a server's batching is its own, so the openai engine has no batch size.
        if (Study.Engine == InferEngine.Local) stage.Value("batch-size", StudyOptions.Inv(Study.BatchSize));
        foreach (var (name, value) in Study.ServerArguments) stage.Param(name, value).Words(ServerWords(name, value));
        if (Study.Shard is not null) stage.Value("shard", Study.Shard);
        // A server generates with its own copy of the model: the bank's base model is then not read here.
        List<string> deps = [$"{Bank}/bank.json", .. Study.Engine == InferEngine.Local ? [$"{Bank}/base_model/*"] : Array.Empty<string>(), $"{Bank}/datasets/*/test.jsonl", $"{Bank}/datasets/*/test*.parquet", $"{Bank}/datasets/*/data/test*.parquet"];
        List<string> upstream = [.. afterBank];
        if (pipeline.Name == InferPipeline.Finetuned) deps.AddRange(BankAdapters);
        else if (pipeline.IsPredicted)
        {
            deps.AddRange(AdapterFiles(Slash(pipeline.AdaptersIn(Data)!)));
            upstream.Add(PredictStageOf(pipeline));
        }
        Add(StageKind.Infer, pipeline.StageName(), stage, deps, [$"{Results.OutputsDir(pipeline.Name)}/*.jsonl"], upstream);
    }

    private void AddEvaluate(IReadOnlyList<InferPipeline> pipelines)
    {
        var names = string.Join(",", pipelines.Select(p => p.Name));
        var stage = new StageBuilder(StageVerbs.Evaluate).Param("pipelines", names).Words("--pipeline", names).Value("bank-dir", Bank)
            .Words("--data-dir", Study.DataDir, "--results-dir", Study.ResultsDir).Value("limit", Limit);
        Add(StageKind.Evaluate, StageName.Of(StageKind.Evaluate), stage,
            [$"{Bank}/bank.json", .. pipelines.Select(p => $"{Results.OutputsDir(p.Name)}/*.jsonl")],
            [Results.SummaryMarkdown, Results.SummaryJson, .. SampleScores.Names.Select(Results.TableFile)],
            pipelines.Select(p => p.StageName()));
    }

    /// <summary>
    /// The page shows the summary, every pipeline's first generations (the best one is known only
    /// from the scores) and the distances beside the coefficients.
    /// </summary>
    private void AddReport(IReadOnlyList<InferPipeline> pipelines)
    {
        var names = string.Join(",", pipelines.Select(p => p.Name));
        var deps = new List<string> { Results.TableFile("rougeL"), Results.SummaryJson };
        deps.AddRange(pipelines.Select(p => $"{Results.OutputsDir(p.Name)}/*.jsonl"));
        var outs = new List<string> { Results.Plot("rougeL_by_pipeline"), Results.ReportHtml };
        var upstream = new List<string> { StageName.Of(StageKind.Evaluate) };
        foreach (var metric in Study.Metrics)
        {
            deps.Add(Data.DistanceFile(metric.ToString()));
            upstream.Add(StageName.Of(StageKind.Distances, metric.ToString()));
            foreach (var model in Study.Models)
            {
                deps.Add(Data.CoefficientFile(metric.ToString(), model.Name()));
                outs.Add(Results.Plot($"coefficients_{metric}_{model.Name()}"));
                upstream.Add(StageName.Of(StageKind.Coefficients, metric.ToString(), model.Name()));
            }
        }
        outs.AddRange(pipelines.Skip(1).Select(p => Results.Plot($"scatter_{p.Name}")));
        var stage = new StageBuilder(StageVerbs.Report).Param("pipelines", names).Words("--pipeline", names, "--data-dir", Study.DataDir, "--results-dir", Study.ResultsDir);
        Add(StageKind.Report, StageName.Of(StageKind.Report), stage, deps, outs, upstream);
    }

    /// <summary>The Bank stage, unless --bank-dir alone names a bank used as it is; returns its name.</summary>
    private string? AddBank()
    {
        if (Study.UserBank) return null;
        if (Study.Bank == BankKind.LotsOfLoras)
        {
            var fetch = new StageBuilder(StageVerbs.Fetch).Param("bank", Study.Bank.Name()).Param("include-base-model", Study.IncludeBaseModel.ToString())
                .Value("bank-dir", Bank).Value("limit", Limit);
            if (Study.Revision is not null) fetch.Value("revision", Study.Revision);
            if (Study.IncludeBaseModel) fetch.Words("--include-base-model");
            Add(StageKind.Bank, StageName.Of(StageKind.Bank), fetch, [],
                [$"{Bank}/bank.json", $"{Bank}/adapters/**", $"{Bank}/datasets/**", $"{Bank}/base_model/**"], []);
            return StageName.Of(StageKind.Bank);
        }
        // The embedded bank: "tiny" is a few-task, few-step version for CI and tests (same code, same layout).
        var build = new StageBuilder(StageVerbs.BankBuild).Param("bank", Study.Bank.Name()).Param("profile", Study.BankProfile.Name())
            .Words("--out", Bank).Words(Study.BankProfile.BuildArguments());
        // Only the second bank names its initialisation, so the shared bank's stage stays as it was.
        if (Study.AdapterInit != AdapterInit.Shared) build.Value("adapter-init", Study.AdapterInit.Name());
        var name = StageName.Of(StageKind.Bank, Study.Bank.Name());
        Add(StageKind.Bank, name, build, [], [$"{Bank}/**"], []);
        return name;
    }
}
