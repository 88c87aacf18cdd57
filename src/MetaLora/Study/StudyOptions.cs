using System.Globalization;
using System.Text.RegularExpressions;
using MetaLora.Bank;
using MetaLora.Distances;
using MetaLora.Inference;
using MetaLora.Inference.OpenAi;
using MetaLora.Layout;
using MetaLora.Prediction.Baselines;
using MetaLora.Prediction.Coefficients;
using MetaLora.Prediction.Coefficients.Mlp;
using MetaLora.Prediction.Combining;
using MetaLora.Bank.Embedded;

namespace MetaLora.Study;

/// <summary>
/// The arguments of a pipeline run (<c>./build.sh --target=Report --metric=all ...</c>), validated
/// and resolved with their defaults. The build script, <c>lora status</c>, <c>lora plan</c> and
/// <c>lora run</c> all parse them here, so every part of the pipeline agrees on names, defaults
/// and what is valid. An invalid value fails at once with one line listing the valid ones.
/// </summary>
public sealed partial record StudyOptions
{
    /// <summary>The build-script targets: the stage groups in order, then Publish and Clean.</summary>
    public static IReadOnlyList<string> Targets => StudyTarget.Names;

    /// <summary>Every argument a run accepts (without the leading dashes).</summary>
    public static readonly IReadOnlyList<string> Known = StudyArgument.All.Select(a => a.Name).ToArray();

    private static readonly string[] ServerOptionNames = ["endpoint", "served-model", "server-path-map", "concurrency", "api-key-env"];

    /// <summary>Arguments that are switches: present means true.</summary>
    private static readonly string[] Flags = StudyArgument.All.Where(a => a.IsSwitch).Select(a => a.Name).ToArray();

    private static readonly string[] SlurmOptionNames = ["slurm-partition", "slurm-gres", "slurm-time", "slurm-account", "slurm-cpus-per-task", "slurm-mem"];

    /// <summary>Shards of a Slurm run when <c>--shards</c> is not given.</summary>
    public const int DefaultShards = 4;

    /// <summary>The seed of MMD's sampling and of mlp_version's training when <c>--seed</c> is not given.</summary>
    public const ulong DefaultSeed = 0;

    public string Target { get; private init; } = StageGroup.Distances.Name;
    public IReadOnlyList<Metric> Metrics { get; private init; } = [MetricNames.Default];
    public IReadOnlyList<CoefficientModel> Models { get; private init; } = [CoefficientModelNames.Default];
    internal BankKind Bank { get; private init; } = BankKindNames.Default;

    /// <summary>How Predict combines the weighted bank adapters; every combiner is its own set of pipelines.</summary>
    internal IReadOnlyList<Combiner> Combiners { get; private init; } = [CombinerNames.Default];

    /// <summary>The delta combiner's output rank; 0 = the bank's r.</summary>
    public int CombineRank { get; private init; }

    /// <summary>The delta combiner keeps this many largest coefficients per row; 0 = all.</summary>
    public int TopK { get; private init; }

    /// <summary>The baseline pipelines to add (uniform, nearest_&lt;METRIC&gt;).</summary>
    internal IReadOnlyList<Baseline> Baselines { get; private init; } = [];

    /// <summary>The embedded bank's adapter initialisation: <c>shared</c> (one random A for all) or <c>per-task</c>.</summary>
    internal AdapterInit AdapterInit { get; private init; } = AdapterInitNames.Default;
    internal BankProfile BankProfile { get; private init; } = BankProfileNames.Default;

    /// <summary>True when <c>--bank-dir</c> alone names a bank folder, used as it is (no Bank stage).</summary>
    public bool UserBank { get; private init; }

    public string BankDir { get; private init; } = DataLayout.DefaultDataDir + "/" + BankKindNames.Embedded;
    public string DataDir { get; private init; } = DataLayout.DefaultDataDir;
    public string ResultsDir { get; private init; } = ResultsLayout.DefaultResultsDir;
    public int MlpHidden { get; private init; } = MlpOptions.DefaultHidden;

    /// <summary>How mlp_version trains and applies f: the exact sweep (default) or the dense reference.</summary>
    public MlpEngine MlpEngine { get; private init; } = MlpEngineNames.Default;
    public int Limit { get; private init; }
    public ulong Seed { get; private init; } = DefaultSeed;
    public bool Force { get; private init; }
    public string? Revision { get; private init; }
    public bool IncludeBaseModel { get; private init; }
    /// <summary>
    /// <c>--max-new-tokens</c> when given; null: the bank's (bank.json's <c>generation.max_new_tokens</c>,
    /// else the paper's 256), which Infer reads from the bank itself, so that naming the bank by its path
    /// or running <c>lora infer</c> on it changes nothing.
    /// </summary>
    public int? MaxNewTokens { get; private init; }
    public int BatchSize { get; private init; } = InferOptions.DefaultBatchSize;
    public string? Shard { get; private init; }
    internal Executor Executor { get; private init; } = ExecutorNames.Default;
    public int Shards { get; private init; } = DefaultShards;
    public bool SlurmDryRun { get; private init; }

    /// <summary>Where Infer generates: <c>local</c> (the tool's own model) or <c>openai</c> (an OpenAI-compatible server at <see cref="Endpoint"/>).</summary>
    internal InferEngine Engine { get; private init; } = InferEngineNames.Default;

    /// <summary>The server's URL, normalised (no trailing slash or <c>/v1</c>), for <c>--engine=openai</c>.</summary>
    public string? Endpoint { get; private init; }

    public string? ServedModel { get; private init; }

    /// <summary><c>LOCAL=REMOTE</c> path maps, given as a comma list.</summary>
    public IReadOnlyList<string> ServerPathMaps { get; private init; } = [];

    public int Concurrency { get; private init; } = OpenAiServerOptions.DefaultConcurrency;

    /// <summary>The variable holding the API key (its value is read only by the engine, never recorded).</summary>
    public string ApiKeyEnv { get; private init; } = OpenAiServerOptions.DefaultApiKeyVariable;

    /// <summary>sbatch options as given (<c>--partition P</c>, ...), for <c>--executor=slurm</c>.</summary>
    public IReadOnlyList<string> SlurmArguments { get; private init; } = [];

    /// <summary>The arguments as given, normalised to <c>--name=value</c> (flags as <c>--name</c>), for passing on to <c>lora</c>.</summary>
    public IReadOnlyList<string> CommandLine { get; private init; } = [];

    /// <summary>Parses <c>--name=value</c>, <c>--name value</c> and <c>--flag</c> words.</summary>
    public static StudyOptions FromCommandLine(IReadOnlyList<string> words)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        for (var i = 0; i < words.Count; i++)
        {
            var word = words[i];
            if (!word.StartsWith("--", StringComparison.Ordinal) || word.Length == 2)
                throw new BadInputException($"unexpected argument '{word}'; arguments look like --name=value");
            var eq = word.IndexOf('=');
            var name = eq < 0 ? word[2..] : word[2..eq];
            if (eq >= 0) pairs.Add(new(name, word[(eq + 1)..]));
            else if (Flags.Contains(name, StringComparer.OrdinalIgnoreCase) || i + 1 == words.Count || words[i + 1].StartsWith("--", StringComparison.Ordinal))
                pairs.Add(new(name, "true"));
            else pairs.Add(new(name, words[++i]));
        }
        return From(pairs);
    }

    /// <summary>Validates and resolves named arguments (later ones win), e.g. from Cake's argument list. The first wrong one fails.</summary>
    public static StudyOptions From(IEnumerable<KeyValuePair<string, string>> arguments)
    {
        var args = new StudyArguments(arguments);
        var target = ParseTarget(args.Get("target") ?? StageGroup.Distances.Name);
        var metrics = MetricNames.Parse(args.NonEmpty("metric", MetricNames.Default.ToString()));
        var models = CoefficientModelNames.Parse(args.NonEmpty("model", CoefficientModelNames.Default.Name()));
        var bank = BankChoice.From(args);
        var combining = CombineChoice.From(args);
        var baselines = BaselineNames.Parse(args.NonEmpty("baseline", BaselineNames.None));
        if (target == StageGroup.Bank.Name && bank.UserBank)
            throw new BadInputException($"--target=Bank makes a bank; with --bank-dir name which one with --bank ({BankKindNames.Table.Listed})");
        var execution = Execution.From(args, target);
        var engine = EngineChoice.From(args);

        return new StudyOptions
        {
            Target = target,
            Metrics = metrics,
            Models = models,
            Bank = bank.Bank,
            BankProfile = bank.Profile,
            Combiners = combining.Combiners,
            CombineRank = combining.Rank,
            TopK = combining.TopK,
            Baselines = baselines,
            AdapterInit = bank.AdapterInit,
            UserBank = bank.UserBank,
            BankDir = bank.BankDir,
            DataDir = bank.DataDir,
            ResultsDir = Slash(args.NonEmpty("results-dir", ResultsLayout.DefaultResultsDir)),
            // mlp_version's width: the paper's 4000 on every bank (the sweep engine trains it in about a minute).
            MlpHidden = args.Whole("mlp-hidden", MlpOptions.DefaultHidden, 1),
            MlpEngine = args.Get("mlp-engine") is { } mlpEngine ? MlpEngineNames.Table.ParseArgument(mlpEngine) : MlpEngineNames.Default,
            Limit = args.Whole("limit", 0, 0, " (0 = all tasks)"),
            Seed = args.Get("seed") is { } seed
                ? ulong.TryParse(seed, NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : throw new BadInputException($"--seed={seed}: expected a whole number >= 0")
                : DefaultSeed,
            Force = args.Flag("force"),
            Revision = execution.Revision,
            IncludeBaseModel = args.Flag("include-base-model"),
            MaxNewTokens = args.Get("max-new-tokens") is { } tokens ? StudyArguments.Whole(tokens, "max-new-tokens", 1) : null,
            BatchSize = args.Whole("batch-size", InferOptions.DefaultBatchSize, 1),
            Shard = execution.Shard,
            Executor = execution.Executor,
            Shards = args.Whole("shards", DefaultShards, 1),
            SlurmDryRun = execution.SlurmDryRun,
            SlurmArguments = execution.SlurmArguments,
            Engine = engine.Engine,
            Endpoint = engine.Endpoint,
            ServedModel = engine.ServedModel,
            ServerPathMaps = engine.PathMaps,
            Concurrency = args.Whole("concurrency", OpenAiServerOptions.DefaultConcurrency, 1),
            ApiKeyEnv = engine.ApiKeyEnv,
            CommandLine = args.CommandLine(Flags),
        };
    }

    private static string ParseTarget(string text) =>
        Targets.FirstOrDefault(t => t.Equals(text, StringComparison.OrdinalIgnoreCase))
        ?? throw new BadInputException($"unknown target '{text}'; valid: {string.Join(", ", Targets)}");

    /// <summary>Which bank, and where it and the data folder are.</summary>
    private sealed record BankChoice(BankKind Bank, BankProfile Profile, AdapterInit AdapterInit, bool UserBank, string BankDir, string DataDir)
    {
        public static BankChoice From(StudyArguments args)
        {
            var dataDir = Slash(args.NonEmpty("data-dir", DataLayout.DefaultDataDir));
            var bank = args.Get("bank") is { } b ? BankKindNames.Table.ParseArgument(b) : BankKindNames.Default;
            var profile = args.Get("bank-profile") is { } p ? BankProfileNames.Table.ParseArgument(p) : BankProfileNames.Default;
            var userBank = args.Has("bank-dir") && !args.Has("bank");
            var init = args.Get("adapter-init") is { } i ? AdapterInitNames.Table.ParseArgument(i) : AdapterInitNames.Default;
            if (init != AdapterInit.Shared && (bank != BankKind.Embedded || userBank))
                throw new BadInputException("--adapter-init selects how the embedded bank is built; it needs --bank=embedded (and no --bank-dir alone)");
            // The per-task bank has its own folder, so both embedded banks can coexist.
            var bankDir = Slash(args.Get("bank-dir") ?? (bank == BankKind.LotsOfLoras ? $"{dataDir}/{DataLayout.RawInputFolder}"
                : init == AdapterInit.Shared ? $"{dataDir}/{bank.Name()}" : $"{dataDir}/{bank.Name()}-{init.Name()}"));
            return new BankChoice(bank, profile, init, userBank, bankDir, dataDir);
        }
    }

    /// <summary>The combiners and the delta combiner's rank and top-k.</summary>
    private sealed record CombineChoice(IReadOnlyList<Combiner> Combiners, int Rank, int TopK)
    {
        public static CombineChoice From(StudyArguments args)
        {
            var combiners = CombinerNames.Parse(args.NonEmpty("combine", CombinerNames.Default.Name()));
            var rank = args.Whole("combine-rank", 0, 1);
            var topK = args.Get("top-k") is { } k && !k.Equals(CombinerNames.AllCoefficients, StringComparison.OrdinalIgnoreCase)
                ? StudyArguments.Whole(k, "top-k", 1, " or all") : 0;
            if ((rank > 0 || args.Has("top-k")) && !combiners.Contains(Combiner.Delta))
                throw new BadInputException("--combine-rank and --top-k set the delta combiner; add delta to --combine");
            return new CombineChoice(combiners, rank, topK);
        }
    }

    /// <summary>Where and how much of Infer runs here: the revision fetched, the shard, the executor and its Slurm options.</summary>
    private sealed record Execution(string? Revision, string? Shard, Executor Executor, IReadOnlyList<string> SlurmArguments, bool SlurmDryRun)
    {
        public static Execution From(StudyArguments args, string target)
        {
            var revision = args.Get("revision");
            if (revision is not null && revision.Trim().Length == 0)
                throw new BadInputException("--revision is empty; give a branch, tag or commit (e.g. main)");
            var shard = args.Get("shard");
            if (shard is not null && !IsShard(shard))
                throw new BadInputException($"--shard={shard}: expected i/n with 0 <= i < n (e.g. 0/4)");
            var executor = args.Get("executor") is { } e ? ExecutorNames.Table.ParseArgument(e) : ExecutorNames.Default;
            var slurmArguments = SlurmWords(args);
            var slurmDryRun = args.Flag("slurm-dry-run");
            if (executor == Executor.Local && (slurmArguments.Count > 0 || slurmDryRun || args.Has("shards")))
                throw new BadInputException("--shards, --slurm-* and --slurm-dry-run need --executor=slurm");
            if (executor == Executor.Slurm && shard is not null)
                throw new BadInputException("--shard runs one shard here; with --executor=slurm give the number of shards with --shards");
            // One shard of one (i.e. every task) is a run without shards.
            if (shard is not null && Inference.Shard.Parse(shard).Count == 1) shard = null;
            // A sharded run writes only its shard's Infer outputs and records, which other shards share with it;
            // the tables after Infer read every shard's outputs, so they come from one run without --shard at the end.
            if (shard is not null && target != StageGroup.Infer.Name)
                throw new BadInputException($"--shard={shard} runs one shard of Infer: use --target=Infer, and once every shard has finished run --target={target} without --shard");
            if (shard is not null && args.Flag("force"))
                throw new BadInputException($"--shard={shard} cannot be combined with --force: force stages in a run without --shard (lora infer --shard i/n --force regenerates one shard's tasks)");
            return new Execution(revision, shard, executor, slurmArguments, slurmDryRun);
        }

        private static List<string> SlurmWords(StudyArguments args)
        {
            var words = new List<string>();
            foreach (var name in SlurmOptionNames)
                if (args.Get(name) is { } value)
                {
                    if (value.Length == 0 || value.Any(char.IsWhiteSpace))
                        throw new BadInputException($"--{name}='{value}': expected one word without spaces");
                    words.AddRange(["--" + name["slurm-".Length..], value]);
                }
            return words;
        }
    }

    /// <summary>Where Infer generates, and the server's arguments for the openai engine.</summary>
    private sealed record EngineChoice(InferEngine Engine, string? Endpoint, string? ServedModel, IReadOnlyList<string> PathMaps, string ApiKeyEnv)
    {
        public static EngineChoice From(StudyArguments args)
        {
            var engine = args.Get("engine") is { } e ? InferEngineNames.Table.ParseArgument(e) : InferEngineNames.Default;
            string? endpoint = null;
            if (engine == InferEngine.Local && ServerOptionNames.FirstOrDefault(args.Has) is { } serverOption)
                throw new BadInputException($"--{serverOption} needs --engine=openai");
            if (engine == InferEngine.OpenAi)
                endpoint = OpenAiClient.NormalizeEndpoint(args.Get("endpoint") ?? throw new BadInputException("--engine=openai needs --endpoint=URL (the server's URL, e.g. http://localhost:8000)"));
            var servedModel = args.Get("served-model");
            if (servedModel is not null && servedModel.Trim().Length == 0) throw new BadInputException("--served-model is empty");
            var pathMaps = (args.Get("server-path-map") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            ServerPathMap.Parse(pathMaps);
            var apiKeyEnv = args.Get("api-key-env") ?? OpenAiServerOptions.DefaultApiKeyVariable;
            if (!ApiKeyVariable.IsValid(apiKeyEnv))
                throw new BadInputException($"--api-key-env={apiKeyEnv}: expected an environment variable's name (letters, digits, _)");
            return new EngineChoice(engine, endpoint, servedModel, pathMaps, apiKeyEnv);
        }
    }

    /// <summary>
    /// The same study without <c>--shard</c>: the stages as the final unsharded run runs and records
    /// them (a sharded run records no Infer manifest of its own; it checks the unsharded one).
    /// </summary>
    public StudyOptions Unsharded => this with { Shard = null };

    /// <summary>The layouts of the data and results folders.</summary>
    internal DataLayout DataLayout => new(DataDir);

    internal ResultsLayout ResultsLayout => new(ResultsDir);

    /// <summary>The bundle's bank label: the bank folder's name for a user's bank, the profile for a small embedded one.</summary>
    public string BundleBank => UserBank ? Path.GetFileName(BankDir)
        : Bank == BankKind.Embedded ? Bank.Name() + (AdapterInit == AdapterInit.Shared ? "" : "-" + AdapterInit.Name()) + (BankProfile == BankProfile.Full ? "" : "-" + BankProfile.Name())
        : Bank.Name();

    /// <summary>The arguments as resolved (defaults included), recorded in a published bundle.</summary>
    public SortedDictionary<string, string> Recorded()
    {
        var recorded = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["target"] = Target, ["metric"] = string.Join(",", Metrics), ["model"] = string.Join(",", Models.Select(m => m.Name())),
            ["mlp-hidden"] = Inv(MlpHidden), ["mlp-engine"] = MlpEngine.Name(), ["bank"] = UserBank ? "" : Bank.Name(), ["bank-profile"] = BankProfile.Name(), ["bank-dir"] = BankDir,
            ["data-dir"] = DataDir, ["results-dir"] = ResultsDir, ["limit"] = Inv(Limit), ["seed"] = Seed.ToString(CultureInfo.InvariantCulture),
            ["batch-size"] = Inv(BatchSize),
        };
        if ((MaxNewTokens ?? BankMaxNewTokens()) is { } tokens) recorded["max-new-tokens"] = Inv(tokens);
        if (Combiners is not [Combiner.Paper]) recorded["combine"] = string.Join(",", Combiners.Select(c => c.Name()));
        if (Combiners.Contains(Combiner.Delta))
        {
            recorded["combine-rank"] = CombineRank == 0 ? "bank r" : Inv(CombineRank);
            recorded["top-k"] = TopK == 0 ? CombinerNames.AllCoefficients : Inv(TopK);
        }
        if (Baselines.Count > 0) recorded["baseline"] = string.Join(",", Baselines.Select(b => b.Name()));
        if (AdapterInit != AdapterInit.Shared) recorded["adapter-init"] = AdapterInit.Name();
        if (Shard is not null) recorded["shard"] = Shard;
        if (Revision is not null) recorded["revision"] = Revision;
        if (IncludeBaseModel) recorded["include-base-model"] = "true";
        if (Engine == InferEngine.OpenAi)
            foreach (var (name, value) in ServerArguments) recorded[name] = value;
        return recorded;
    }

    /// <summary>
    /// The bank's max_new_tokens, once the bank exists: a bundle is made after Infer, so it records the
    /// number Infer used rather than where it came from.
    /// </summary>
    private int? BankMaxNewTokens() =>
        File.Exists(Path.Combine(BankDir, BankInfo.FileName)) ? BankInfo.Load(BankDir).Generation.MaxNewTokens : null;

    /// <summary>
    /// The openai engine's arguments, in the order infer takes them (<c>engine</c>, <c>endpoint</c>,
    /// then those given or defaulted); empty for the local engine. Never the API key, only its variable.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> ServerArguments => Engine != InferEngine.OpenAi ? [] :
    [
        new(InferEngineNames.Parameter, Engine.Name()), new("endpoint", Endpoint!),
        .. ServedModel is null ? Array.Empty<KeyValuePair<string, string>>() : [new("served-model", ServedModel)],
        .. ServerPathMaps.Count == 0 ? Array.Empty<KeyValuePair<string, string>>() : [new("server-path-map", string.Join(",", ServerPathMaps))],
        new("concurrency", Inv(Concurrency)), new("api-key-env", ApiKeyEnv),
    ];

    /// <summary>What the Clean target deletes: everything the pipeline wrote, never the bank.</summary>
    public IReadOnlyList<string> CleanFolders =>
        [$"{DataDir}/preprocessed", $"{DataDir}/coefficients", $"{DataDir}/predicted_adapters", $"{DataDir}/.stages", ResultsDir];

    internal static string Inv(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static bool IsShard(string text)
    {
        var match = ShardPattern().Match(text);
        return match.Success
               && int.TryParse(match.Groups[1].Value, CultureInfo.InvariantCulture, out var i)
               && int.TryParse(match.Groups[2].Value, CultureInfo.InvariantCulture, out var n)
               && i < n;
    }

    [GeneratedRegex(@"^(\d+)/(\d+)$")]
    private static partial Regex ShardPattern();

    private static string Slash(string path) => path.Replace('\\', '/').TrimEnd('/');
}
