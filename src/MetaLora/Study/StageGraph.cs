using MetaLora.Evaluation;
using MetaLora.Formats;
using MetaLora.Prediction;
using MetaLora.Stages;
using MetaLora.Distances;
using MetaLora.Inference;
using MetaLora.Layout;
using MetaLora.Prediction.Baselines;
using MetaLora.Prediction.Coefficients;
using MetaLora.Prediction.Coefficients.Mlp;
using MetaLora.Prediction.Combining;
using MetaLora.Reporting;

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
    /// <summary>The build-script tasks that hold stages, in dependency order.</summary>
    public static readonly IReadOnlyList<string> Groups = ["Bank", "Tokenize", "Distances", "Predict", "Infer", "Evaluate", "Report"];

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
        var last = target switch
        {
            "Publish" => Groups.Count - 1,
            "Clean" => -1,
            _ => Groups.ToList().IndexOf(target),
        };
        return _stages.Where(s => Groups.ToList().IndexOf(s.Group) <= last).ToArray();
    }

    /// <summary>The Infer pipelines (columns of the result tables): base, finetuned, then the selected metrics and models.</summary>
    public IReadOnlyList<InferPipeline> Pipelines =>
    [
        .. InferPipeline.All.Take(2),
        .. Study.Baselines.Contains(Baseline.Uniform) ? Study.Combiners.Select(InferPipeline.Uniform) : [],
        .. Study.Baselines.Contains(Baseline.Nearest) ? Study.Metrics.Select(InferPipeline.Nearest) : [],
        .. Study.Metrics.SelectMany(m => Study.Models.SelectMany(c => Study.Combiners.Select(k => InferPipeline.Predicted(m, c, k)))),
    ];

    /// <summary>The Predict stage that makes a predicted pipeline's adapters.</summary>
    public static string PredictStageOf(InferPipeline pipeline) =>
        pipeline.Baseline == Baseline.Uniform ? $"Predict.{pipeline.Name}"
        : pipeline.Baseline == Baseline.Nearest ? $"Predict.{pipeline.Metric}.{Baseline.Nearest.Name()}"
        : $"Predict.{pipeline.Metric}.{pipeline.Model!.Value.Name()}{pipeline.Combiner.Suffix()}";

    /// <summary>
    /// With <c>--executor=slurm</c>: the command that runs Infer as an sbatch array job (one task per
    /// shard). The shards fill the outputs; the Infer stages then find every task done and only record
    /// their manifests.
    /// </summary>
    public IReadOnlyList<string>? SlurmSubmitCommand => Study.Executor != "slurm" ? null :
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
        "publish", "--data-dir", Study.DataDir, "--results-dir", Study.ResultsDir, "--out", "artifacts", "--bank", Study.BundleBank,
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
    private DataLayout Data => Study.DataLayout;
    private ResultsLayout Results => Study.ResultsLayout;

    private string[] BankAdapters => AdapterFiles($"{Bank}/adapters");

    /// <summary>
    /// What inference reads of a folder of adapter folders: weights and config. Sidecars (the delta
    /// combiner's report, the nearest baseline's note) are not inputs of Infer, so a report that
    /// changes in its last digits does not rerun generation.
    /// </summary>
    private static string[] AdapterFiles(string folder) => [$"{folder}/*/{PeftAdapter.WeightsFileName}", $"{folder}/*/{PeftAdapter.ConfigFileName}"];

    private void Add(string group, string name, string verb, Dictionary<string, string> parameters, string[] command,
                     IEnumerable<string> deps, IEnumerable<string> outs, IEnumerable<string> upstream) =>
        _stages.Add(new StageSpec(name, new SortedDictionary<string, string>(parameters, StringComparer.Ordinal),
            deps.Select(Slash).ToArray(), outs.Select(Slash).ToArray(), group, verb, command, upstream.ToArray()));

    private static string Slash(string path) => path.Replace('\\', '/');

    /// <summary>An openai engine argument as infer's words: one <c>--server-path-map</c> per map.</summary>
    private static IEnumerable<string> ServerWords(string name, string value) => name == "server-path-map"
        ? value.Split(',').SelectMany(map => new[] { "--server-path-map", map })
        : ["--" + name, value];

    /// <summary>
    /// A Predict stage's combiner parameters and arguments. The parameters name the combiner (and that no
    /// baseline runs), so the stage's code identity holds only that combiner's code; the paper's command
    /// stays as it was (its default).
    /// </summary>
    private (Dictionary<string, string> Parameters, string[] Command) Combining(Combiner combiner)
    {
        var parameters = new Dictionary<string, string> { ["combine"] = combiner.Name(), ["baseline"] = "none" };
        if (combiner == Combiner.Paper) return (parameters, []);
        string[] command = ["--combine", combiner.Name()];
        if (combiner == Combiner.Delta)
        {
            parameters["combine-rank"] = StudyOptions.Inv(Study.CombineRank);
            parameters["top-k"] = Study.TopK == 0 ? "all" : StudyOptions.Inv(Study.TopK);
            command = [.. command, "--combine-rank", parameters["combine-rank"], "--top-k", parameters["top-k"]];
        }
        return (parameters, command);
    }

    private void Build()
    {
        var bankStage = BankStage();
        string[] afterBank = bankStage is null ? [] : [bankStage];
        var common = new[] { "--bank-dir", Bank, "--data-dir", Study.DataDir, "--limit", Limit };

        // Patterns are optional inputs: a bank may have no parquet files or no tokenizer_config.json.
        Add("Tokenize", "Tokenize", "tokenize",
            new() { ["bank-dir"] = Bank, ["limit"] = Limit },
            ["tokenize", .. common],
            [$"{Bank}/bank.json", $"{Bank}/datasets/*/train.jsonl", $"{Bank}/datasets/*/train*.parquet", $"{Bank}/datasets/*/data/train*.parquet", $"{Bank}/base_model/tokenizer*.model", $"{Bank}/base_model/tokenizer_config*.json"],
            [$"{Data.TokensDir}/*.npy"],
            afterBank);

        foreach (var metric in Study.Metrics)
        {
            var parameters = new Dictionary<string, string> { ["metric"] = metric.ToString(), ["bank-dir"] = Bank, ["limit"] = Limit };
            string[] command = ["distances", "--metric", metric.ToString(), .. common];
            if (metric == Metric.MMD)
            {
                parameters["seed"] = Study.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture);
                command = [.. command, "--seed", parameters["seed"]];
            }
            Add("Distances", $"Distances.{metric}", "distances", parameters, command,
                [$"{Bank}/bank.json", $"{Data.TokensDir}/*.npy"], [Data.DistanceFile(metric.ToString())], ["Tokenize"]);
        }

        var mlp = Study.Models.Contains(CoefficientModel.MlpVersion);
        if (mlp)
            Add("Predict", "Gram", "gram", new() { ["bank-dir"] = Bank, ["limit"] = Limit }, ["gram", .. common],
                [$"{Bank}/bank.json", .. BankAdapters], [Data.GramFile], afterBank);
        foreach (var metric in Study.Metrics)
            foreach (var model in Study.Models)
            {
                var m = metric.ToString();
                var parameters = new Dictionary<string, string> { ["metric"] = m, ["model"] = model.Name(), ["bank-dir"] = Bank, ["limit"] = Limit };
                var coefficients = Data.CoefficientsDir(m, model.Name());
                var coefficientParameters = new Dictionary<string, string>(parameters);
                string[] command = ["coefficients", "--metric", m, "--model", model.Name(), .. common];
                List<string> deps = [$"{Bank}/bank.json", Data.DistanceFile(m)];
                List<string> outs = [Data.CoefficientFile(m, model.Name())];
                List<string> upstream = [$"Distances.{m}"];
                if (model == CoefficientModel.MlpVersion)
                {
                    coefficientParameters["mlp-hidden"] = StudyOptions.Inv(Study.MlpHidden);
                    // The engine also selects code: the stage's identity covers only the chosen engine's.
                    coefficientParameters["mlp-engine"] = Study.MlpEngine.Name();
                    coefficientParameters["seed"] = Study.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    command = [.. command, "--mlp-hidden", coefficientParameters["mlp-hidden"], "--mlp-engine", coefficientParameters["mlp-engine"],
                               "--seed", coefficientParameters["seed"]];
                    deps.AddRange([Data.GramFile, .. BankAdapters]);
                    outs.AddRange(new[] { "training_log.csv", "split.json", "mlp.dat", "mlp.json" }.Select(f => Path.Combine(coefficients, f)));
                    upstream.Add("Gram");
                }
                Add("Predict", $"Coefficients.{m}.{model.Name()}", "coefficients", coefficientParameters, command, deps, outs, upstream);
                foreach (var combiner in Study.Combiners)
                {
                    var pipeline = InferPipeline.Predicted(metric, model, combiner);
                    var (combineParameters, combineCommand) = Combining(combiner);
                    Add("Predict", PredictStageOf(pipeline), "predict", new(parameters.Concat(combineParameters)),
                        ["predict", "--metric", m, "--model", model.Name(), .. combineCommand, .. common],
                        [$"{Bank}/bank.json", Data.CoefficientFile(m, model.Name()), .. BankAdapters],
                        [$"{Slash(pipeline.AdaptersIn(Data)!)}/**"],
                        [$"Coefficients.{m}.{model.Name()}", .. afterBank]);
                }
            }
        foreach (var pipeline in Pipelines.Where(p => p.Baseline is not null))
        {
            var isUniform = pipeline.Baseline == Baseline.Uniform;
            var parameters = new Dictionary<string, string> { ["bank-dir"] = Bank, ["limit"] = Limit };
            List<string> deps = [$"{Bank}/bank.json", .. BankAdapters];
            List<string> upstream = [.. afterBank];
            string[] command;
            if (isUniform)
            {
                var (combineParameters, combineCommand) = Combining(pipeline.Combiner);
                foreach (var (key, value) in combineParameters) parameters[key] = value;
                command = ["predict", "--baseline", "uniform", .. combineCommand, .. common];
            }
            else
            {
                var m = pipeline.Metric!.Value.ToString();
                parameters["metric"] = m;
                // Copies adapters: no combiner runs.
                parameters["combine"] = "none";
                command = ["predict", "--baseline", "nearest", "--metric", m, .. common];
                deps.Add(Data.DistanceFile(m));
                upstream.Add($"Distances.{m}");
            }
            parameters["baseline"] = pipeline.Baseline!.Value.Name();
            Add("Predict", PredictStageOf(pipeline), "predict", parameters, command, deps, [$"{Slash(pipeline.AdaptersIn(Data)!)}/**"], upstream);
        }

        var pipelines = Pipelines;
        foreach (var pipeline in pipelines)
        {
            var parameters = new Dictionary<string, string>
            {
                ["pipeline"] = pipeline.Name, ["bank-dir"] = Bank, ["limit"] = Limit,
                ["max-new-tokens"] = Study.MaxNewTokens is { } n ? StudyOptions.Inv(n) : MaxNewTokensFromBank,
            };
            string[] command =
            [
                "infer", "--pipeline", pipeline.Name, "--bank-dir", Bank, "--data-dir", Study.DataDir, "--results-dir", Study.ResultsDir,
                "--limit", Limit, .. MaxNewTokensWords,
            ];
            // The local engine's parameters are as they were before engines existed (its stages keep their identity);
            // a server's batching is its own, so the openai engine has no batch size.
            if (Study.Engine == "local")
            {
                parameters["batch-size"] = StudyOptions.Inv(Study.BatchSize);
                command = [.. command, "--batch-size", parameters["batch-size"]];
            }
            foreach (var (name, value) in Study.ServerArguments)
            {
                parameters[name] = value;
                command = [.. command, .. ServerWords(name, value)];
            }
            if (Study.Shard is not null)
            {
                parameters["shard"] = Study.Shard;
                command = [.. command, "--shard", Study.Shard];
            }
            // A server generates with its own copy of the model: the bank's base model is then not read here.
            List<string> deps = [$"{Bank}/bank.json", .. Study.Engine == "local" ? [$"{Bank}/base_model/*"] : Array.Empty<string>(), $"{Bank}/datasets/*/test.jsonl", $"{Bank}/datasets/*/test*.parquet", $"{Bank}/datasets/*/data/test*.parquet"];
            List<string> upstream = [.. afterBank];
            if (pipeline.Name == InferPipeline.Finetuned) deps.AddRange(BankAdapters);
            else if (pipeline.IsPredicted)
            {
                deps.AddRange(AdapterFiles(Slash(pipeline.AdaptersIn(Data)!)));
                upstream.Add(PredictStageOf(pipeline));
            }
            Add("Infer", $"Infer.{pipeline.Name}", "infer", parameters, command, deps, [$"{Results.OutputsDir(pipeline.Name)}/*.jsonl"], upstream);
        }

        var names = string.Join(",", pipelines.Select(p => p.Name));
        Add("Evaluate", "Evaluate", "evaluate",
            new() { ["pipelines"] = names, ["bank-dir"] = Bank, ["limit"] = Limit },
            ["evaluate", "--pipeline", names, "--bank-dir", Bank, "--data-dir", Study.DataDir, "--results-dir", Study.ResultsDir, "--limit", Limit],
            [$"{Bank}/bank.json", .. pipelines.Select(p => $"{Results.OutputsDir(p.Name)}/*.jsonl")],
            [Results.SummaryMarkdown, Results.SummaryJson, .. SampleScores.Names.Select(Results.TableFile)],
            pipelines.Select(p => $"Infer.{p.Name}"));

        // The page shows the summary, every pipeline's first generations (the best one is known only
        // from the scores) and the distances beside the coefficients.
        var reportDeps = new List<string> { Results.TableFile("rougeL"), Results.SummaryJson };
        reportDeps.AddRange(pipelines.Select(p => $"{Results.OutputsDir(p.Name)}/*.jsonl"));
        var reportOuts = new List<string> { Results.Plot("rougeL_by_pipeline"), Results.ReportHtml };
        var reportUpstream = new List<string> { "Evaluate" };
        foreach (var metric in Study.Metrics)
        {
            reportDeps.Add(Data.DistanceFile(metric.ToString()));
            reportUpstream.Add($"Distances.{metric}");
            foreach (var model in Study.Models)
            {
                reportDeps.Add(Data.CoefficientFile(metric.ToString(), model.Name()));
                reportOuts.Add(Results.Plot($"coefficients_{metric}_{model.Name()}"));
                reportUpstream.Add($"Coefficients.{metric}.{model.Name()}");
            }
        }
        reportOuts.AddRange(pipelines.Skip(1).Select(p => Results.Plot($"scatter_{p.Name}")));
        Add("Report", "Report", "report", new() { ["pipelines"] = names },
            ["report", "--pipeline", names, "--data-dir", Study.DataDir, "--results-dir", Study.ResultsDir],
            reportDeps, reportOuts, reportUpstream);
    }

    /// <summary>The Bank stage, unless --bank-dir alone names a bank used as it is; returns its name.</summary>
    private string? BankStage()
    {
        if (Study.UserBank) return null;
        if (Study.Bank == "lots-of-loras")
        {
            var parameters = new Dictionary<string, string>
            {
                ["bank"] = Study.Bank, ["bank-dir"] = Bank, ["limit"] = Limit, ["include-base-model"] = Study.IncludeBaseModel.ToString(),
            };
            string[] command = ["fetch", "--bank-dir", Bank, "--limit", Limit];
            if (Study.Revision is not null)
            {
                parameters["revision"] = Study.Revision;
                command = [.. command, "--revision", Study.Revision];
            }
            if (Study.IncludeBaseModel) command = [.. command, "--include-base-model"];
            Add("Bank", "Bank", "fetch", parameters, command, [],
                [$"{Bank}/bank.json", $"{Bank}/adapters/**", $"{Bank}/datasets/**", $"{Bank}/base_model/**"], []);
            return "Bank";
        }
        // The embedded bank: "tiny" is a few-task, few-step version for CI and tests (same code, same layout).
        string[] tiny =
        [
            "--tasks", "6", "--train-samples", "40", "--valid-samples", "4", "--test-samples", "6", "--generic-samples", "400",
            "--hidden", "32", "--intermediate", "64", "--base-steps", "30", "--lora-steps", "8", "--lora-batch", "8",
        ];
        var embedded = new Dictionary<string, string> { ["bank"] = Study.Bank, ["profile"] = Study.BankProfile };
        string[] init = [];
        // Only the second bank names its initialisation, so the shared bank's stage stays as it was.
        if (Study.AdapterInit != "shared")
        {
            embedded["adapter-init"] = Study.AdapterInit;
            init = ["--adapter-init", Study.AdapterInit];
        }
        Add("Bank", "Bank.embedded", "bank build", embedded,
            ["bank", "build", "--out", Bank, .. Study.BankProfile == "tiny" ? tiny : [], .. init], [], [$"{Bank}/**"], []);
        return "Bank.embedded";
    }
}
