using System.Globalization;
using System.Text.RegularExpressions;
using MetaLora.Bank;
using MetaLora.Prediction;
using MetaLora.Serving;
using MetaLora.Distances;
using MetaLora.Inference;
using MetaLora.Inference.OpenAi;
using MetaLora.Layout;
using MetaLora.Model;
using MetaLora.Prediction.Baselines;
using MetaLora.Prediction.Coefficients;
using MetaLora.Prediction.Coefficients.Mlp;
using MetaLora.Prediction.Combining;

namespace MetaLora.Study;

/// <summary>
/// The arguments of a pipeline run (<c>./build.sh --target=Report --metric=all ...</c>), validated
/// and resolved with their defaults. The build script, <c>lora status</c>, <c>lora plan</c> and
/// <c>lora run</c> all parse them here, so every part of the pipeline agrees on names, defaults
/// and what is valid. An invalid value fails at once with one line listing the valid ones.
/// </summary>
public sealed partial record StudyOptions
{
    public static readonly IReadOnlyList<string> Targets = ["Bank", "Tokenize", "Distances", "Predict", "Infer", "Evaluate", "Report", "Publish", "Clean"];
    public static readonly IReadOnlyList<string> Banks = ["embedded", "lots-of-loras"];
    public static readonly IReadOnlyList<string> BankProfiles = ["full", "tiny"];
    public static readonly IReadOnlyList<string> Executors = ["local", "slurm"];
    public static readonly IReadOnlyList<string> MlpEngines = ["sweep", "dense"];
    public static readonly IReadOnlyList<string> Engines = ["local", "openai"];
    public static readonly IReadOnlyList<string> AdapterInits = ["shared", "per-task"];

    /// <summary>Every argument a run accepts (without the leading dashes).</summary>
    public static readonly IReadOnlyList<string> Known =
    [
        "target", "metric", "model", "mlp-hidden", "mlp-engine", "bank", "bank-profile", "bank-dir", "revision", "include-base-model", "data-dir",
        "results-dir", "limit", "force", "seed", "max-new-tokens", "batch-size", "shard", "executor", "shards", "slurm-partition",
        "slurm-gres", "slurm-time", "slurm-account", "slurm-cpus-per-task", "slurm-mem", "slurm-dry-run", "engine", "endpoint", "served-model",
        "server-path-map", "concurrency", "api-key-env", "combine", "combine-rank",
        "top-k", "baseline", "adapter-init",
    ];

    private static readonly string[] ServerOptionNames = ["endpoint", "served-model", "server-path-map", "concurrency", "api-key-env"];

    /// <summary>Arguments that are switches: present means true.</summary>
    private static readonly string[] Flags = ["force", "include-base-model", "slurm-dry-run"];

    private static readonly string[] SlurmOptionNames = ["slurm-partition", "slurm-gres", "slurm-time", "slurm-account", "slurm-cpus-per-task", "slurm-mem"];

    public string Target { get; private init; } = "Distances";
    public IReadOnlyList<Metric> Metrics { get; private init; } = [Metric.KL];
    public IReadOnlyList<CoefficientModel> Models { get; private init; } = [CoefficientModel.BaseVersion];
    public string Bank { get; private init; } = "embedded";

    /// <summary>How Predict combines the weighted bank adapters; every combiner is its own set of pipelines.</summary>
    public IReadOnlyList<Combiner> Combiners { get; private init; } = [Combiner.Paper];

    /// <summary>The delta combiner's output rank; 0 = the bank's r.</summary>
    public int CombineRank { get; private init; }

    /// <summary>The delta combiner keeps this many largest coefficients per row; 0 = all.</summary>
    public int TopK { get; private init; }

    /// <summary>The baseline pipelines to add (uniform, nearest_&lt;METRIC&gt;).</summary>
    public IReadOnlyList<Baseline> Baselines { get; private init; } = [];

    /// <summary>The embedded bank's adapter initialisation: <c>shared</c> (one random A for all) or <c>per-task</c>.</summary>
    public string AdapterInit { get; private init; } = "shared";
    public string BankProfile { get; private init; } = "full";

    /// <summary>True when <c>--bank-dir</c> alone names a bank folder, used as it is (no Bank stage).</summary>
    public bool UserBank { get; private init; }

    public string BankDir { get; private init; } = "data/embedded";
    public string DataDir { get; private init; } = "data";
    public string ResultsDir { get; private init; } = "results";
    public int MlpHidden { get; private init; }

    /// <summary>How mlp_version trains and applies f: the exact sweep (default) or the dense reference.</summary>
    public MlpEngine MlpEngine { get; private init; } = MlpEngine.Sweep;
    public int Limit { get; private init; }
    public ulong Seed { get; private init; }
    public bool Force { get; private init; }
    public string? Revision { get; private init; }
    public bool IncludeBaseModel { get; private init; }
    /// <summary>
    /// <c>--max-new-tokens</c> when given; null: the bank's (bank.json's <c>generation.max_new_tokens</c>,
    /// else the paper's 256), which Infer reads from the bank itself, so that naming the bank by its path
    /// or running <c>lora infer</c> on it changes nothing.
    /// </summary>
    public int? MaxNewTokens { get; private init; }
    public int BatchSize { get; private init; } = 16;
    public string? Shard { get; private init; }
    public string Executor { get; private init; } = "local";
    public int Shards { get; private init; } = 4;
    public bool SlurmDryRun { get; private init; }

    /// <summary>Where Infer generates: <c>local</c> (the tool's own model) or <c>openai</c> (an OpenAI-compatible server at <see cref="Endpoint"/>).</summary>
    public string Engine { get; private init; } = "local";

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

    /// <summary>Validates and resolves named arguments (later ones win), e.g. from Cake's argument list.</summary>
    public static StudyOptions From(IEnumerable<KeyValuePair<string, string>> arguments)
    {
        var given = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var order = new List<string>();
        foreach (var (rawName, value) in arguments)
        {
            var name = rawName.ToLowerInvariant();
            if (!Known.Contains(name))
                throw new BadInputException($"unknown argument --{rawName}; valid: {string.Join(", ", Known.Select(a => "--" + a))}");
            if (!given.ContainsKey(name)) order.Add(name);
            given[name] = value;
        }
        string? Get(string name) => given.TryGetValue(name, out var v) ? v : null;
        bool Flag(string name) => Get(name) is { } v && !v.Equals("false", StringComparison.OrdinalIgnoreCase);

        var target = OneOf(Get("target") ?? "Distances", Targets, "target");
        var metrics = MetricNames.Parse(NonEmpty(Get("metric") ?? "KL", "metric"));
        var models = CoefficientModelNames.Parse(NonEmpty(Get("model") ?? "base_version", "model"));
        var dataDir = Slash(NonEmpty(Get("data-dir") ?? "data", "data-dir"));
        var bank = OneOf(Get("bank") ?? "embedded", Banks, "bank");
        var profile = OneOf(Get("bank-profile") ?? "full", BankProfiles, "bank profile");
        var userBank = Get("bank-dir") is not null && Get("bank") is null;
        var adapterInit = OneOf(Get("adapter-init") ?? "shared", AdapterInits, "adapter init");
        if (adapterInit != "shared" && (bank != "embedded" || userBank))
            throw new BadInputException("--adapter-init selects how the embedded bank is built; it needs --bank=embedded (and no --bank-dir alone)");
        // The per-task bank has its own folder, so both embedded banks can coexist.
        var bankDir = Slash(Get("bank-dir") ?? (bank == "lots-of-loras" ? $"{dataDir}/raw_input" : adapterInit == "shared" ? $"{dataDir}/{bank}" : $"{dataDir}/{bank}-{adapterInit}"));
        var combiners = CombinerNames.Parse(NonEmpty(Get("combine") ?? "paper", "combine"));
        var combineRank = Get("combine-rank") is { } rank ? Whole(rank, "combine-rank", 1) : 0;
        var topK = Get("top-k") is { } k && !k.Equals("all", StringComparison.OrdinalIgnoreCase) ? Whole(k, "top-k", 1, " or all") : 0;
        if ((combineRank > 0 || Get("top-k") is not null) && !combiners.Contains(Combiner.Delta))
            throw new BadInputException("--combine-rank and --top-k set the delta combiner; add delta to --combine");
        var baselines = BaselineNames.Parse(NonEmpty(Get("baseline") ?? "none", "baseline"));
        if (target == "Bank" && userBank)
            throw new BadInputException($"--target=Bank makes a bank; with --bank-dir name which one with --bank ({string.Join(", ", Banks)})");
        var revision = Get("revision");
        if (revision is not null && revision.Trim().Length == 0)
            throw new BadInputException("--revision is empty; give a branch, tag or commit (e.g. main)");
        var shard = Get("shard");
        if (shard is not null && !IsShard(shard))
            throw new BadInputException($"--shard={shard}: expected i/n with 0 <= i < n (e.g. 0/4)");
        var executor = OneOf(Get("executor") ?? "local", Executors, "executor");
        var slurmArguments = new List<string>();
        foreach (var name in SlurmOptionNames)
            if (Get(name) is { } value)
            {
                if (value.Length == 0 || value.Any(char.IsWhiteSpace))
                    throw new BadInputException($"--{name}='{value}': expected one word without spaces");
                slurmArguments.AddRange(["--" + name["slurm-".Length..], value]);
            }
        var slurmDryRun = Flag("slurm-dry-run");
        if (executor == "local" && (slurmArguments.Count > 0 || slurmDryRun || Get("shards") is not null))
            throw new BadInputException("--shards, --slurm-* and --slurm-dry-run need --executor=slurm");
        if (executor == "slurm" && shard is not null)
            throw new BadInputException("--shard runs one shard here; with --executor=slurm give the number of shards with --shards");
        // One shard of one (i.e. every task) is a run without shards.
        if (shard is not null && Inference.Shard.Parse(shard).Count == 1) shard = null;
        // A sharded run writes only its shard's Infer outputs and records, which other shards share with it;
        // the tables after Infer read every shard's outputs, so they come from one run without --shard at the end.
        if (shard is not null && target != "Infer")
            throw new BadInputException($"--shard={shard} runs one shard of Infer: use --target=Infer, and once every shard has finished run --target={target} without --shard");
        if (shard is not null && Flag("force"))
            throw new BadInputException($"--shard={shard} cannot be combined with --force: force stages in a run without --shard (lora infer --shard i/n --force regenerates one shard's tasks)");
        var engine = OneOf(Get("engine") ?? "local", Engines, "engine");
        string? endpoint = null;
        if (engine == "local" && ServerOptionNames.FirstOrDefault(n => Get(n) is not null) is { } serverOption)
            throw new BadInputException($"--{serverOption} needs --engine=openai");
        if (engine == "openai")
            endpoint = OpenAiClient.NormalizeEndpoint(Get("endpoint") ?? throw new BadInputException("--engine=openai needs --endpoint=URL (the server's URL, e.g. http://localhost:8000)"));
        var servedModel = Get("served-model");
        if (servedModel is not null && servedModel.Trim().Length == 0) throw new BadInputException("--served-model is empty");
        var pathMaps = (Get("server-path-map") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        ServerPathMap.Parse(pathMaps);
        var apiKeyEnv = Get("api-key-env") ?? OpenAiServerOptions.DefaultApiKeyVariable;
        if (!ApiKeyVariable.IsValid(apiKeyEnv))
            throw new BadInputException($"--api-key-env={apiKeyEnv}: expected an environment variable's name (letters, digits, _)");

        return new StudyOptions
        {
            Target = target,
            Metrics = metrics,
            Models = models,
            Bank = bank,
            BankProfile = profile,
            Combiners = combiners,
            CombineRank = combineRank,
            TopK = topK,
            Baselines = baselines,
            AdapterInit = adapterInit,
            UserBank = userBank,
            BankDir = bankDir,
            DataDir = dataDir,
            ResultsDir = Slash(NonEmpty(Get("results-dir") ?? "results", "results-dir")),
            // mlp_version's width: the paper's 4000 on every bank (the sweep engine trains it in about a minute).
            MlpHidden = Whole(Get("mlp-hidden") ?? "4000", "mlp-hidden", 1),
            MlpEngine = MlpEngineNames.Parse(OneOf(Get("mlp-engine") ?? "sweep", MlpEngines, "mlp engine")),
            Limit = Whole(Get("limit") ?? "0", "limit", 0, " (0 = all tasks)"),
            Seed = Get("seed") is { } seed
                ? ulong.TryParse(seed, NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : throw new BadInputException($"--seed={seed}: expected a whole number >= 0")
                : 0,
            Force = Flag("force"),
            Revision = revision,
            IncludeBaseModel = Flag("include-base-model"),
            MaxNewTokens = Get("max-new-tokens") is { } tokens ? Whole(tokens, "max-new-tokens", 1) : null,
            BatchSize = Whole(Get("batch-size") ?? "16", "batch-size", 1),
            Shard = shard,
            Executor = executor,
            Shards = Whole(Get("shards") ?? "4", "shards", 1),
            SlurmDryRun = slurmDryRun,
            SlurmArguments = slurmArguments,
            Engine = engine,
            Endpoint = endpoint,
            ServedModel = servedModel,
            ServerPathMaps = pathMaps,
            Concurrency = Whole(Get("concurrency") ?? Inv(OpenAiServerOptions.DefaultConcurrency), "concurrency", 1),
            ApiKeyEnv = apiKeyEnv,
            CommandLine = order.Select(n => Flags.Contains(n) ? (Flag(n) ? $"--{n}" : $"--{n}=false") : $"--{n}={given[n]}").ToArray(),
        };
    }

    /// <summary>
    /// The same study without <c>--shard</c>: the stages as the final unsharded run runs and records
    /// them (a sharded run records no Infer manifest of its own; it checks the unsharded one).
    /// </summary>
    public StudyOptions Unsharded => this with { Shard = null };

    /// <summary>The target's name as a Cake task; every other option is kept.</summary>
    public StudyOptions WithTarget(string target) => this with { Target = OneOf(target, Targets, "target") };

    /// <summary>The layouts of the data and results folders.</summary>
    public DataLayout DataLayout => new(DataDir);

    public ResultsLayout ResultsLayout => new(ResultsDir);

    /// <summary>The bundle's bank label: the bank folder's name for a user's bank, the profile for a small embedded one.</summary>
    public string BundleBank => UserBank ? Path.GetFileName(BankDir)
        : Bank == "embedded" ? "embedded" + (AdapterInit == "shared" ? "" : "-" + AdapterInit) + (BankProfile == "full" ? "" : "-" + BankProfile)
        : Bank;

    /// <summary>The arguments as resolved (defaults included), recorded in a published bundle.</summary>
    public SortedDictionary<string, string> Recorded()
    {
        var recorded = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["target"] = Target, ["metric"] = string.Join(",", Metrics), ["model"] = string.Join(",", Models.Select(m => m.Name())),
            ["mlp-hidden"] = Inv(MlpHidden), ["mlp-engine"] = MlpEngine.Name(), ["bank"] = UserBank ? "" : Bank, ["bank-profile"] = BankProfile, ["bank-dir"] = BankDir,
            ["data-dir"] = DataDir, ["results-dir"] = ResultsDir, ["limit"] = Inv(Limit), ["seed"] = Seed.ToString(CultureInfo.InvariantCulture),
            ["batch-size"] = Inv(BatchSize),
        };
        if ((MaxNewTokens ?? BankMaxNewTokens()) is { } tokens) recorded["max-new-tokens"] = Inv(tokens);
        if (Combiners is not [Combiner.Paper]) recorded["combine"] = string.Join(",", Combiners.Select(c => c.Name()));
        if (Combiners.Contains(Combiner.Delta))
        {
            recorded["combine-rank"] = CombineRank == 0 ? "bank r" : Inv(CombineRank);
            recorded["top-k"] = TopK == 0 ? "all" : Inv(TopK);
        }
        if (Baselines.Count > 0) recorded["baseline"] = string.Join(",", Baselines.Select(b => b.Name()));
        if (AdapterInit != "shared") recorded["adapter-init"] = AdapterInit;
        if (Shard is not null) recorded["shard"] = Shard;
        if (Revision is not null) recorded["revision"] = Revision;
        if (IncludeBaseModel) recorded["include-base-model"] = "true";
        if (Engine == "openai")
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
    public IReadOnlyList<KeyValuePair<string, string>> ServerArguments => Engine != "openai" ? [] :
    [
        new("engine", Engine), new("endpoint", Endpoint!),
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

    private static string OneOf(string value, IReadOnlyList<string> valid, string what) =>
        valid.FirstOrDefault(v => v.Equals(value, StringComparison.OrdinalIgnoreCase))
        ?? throw new BadInputException($"unknown {what} '{value}'; valid: {string.Join(", ", valid)}");

    private static string NonEmpty(string value, string name) =>
        value.Trim().Length > 0 ? value : throw new BadInputException($"--{name} is empty");

    private static int Whole(string text, string name, int min, string note = "") =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min
            ? value
            : throw new BadInputException($"--{name}={text}: expected a whole number >= {min}{note}");

    private static string Slash(string path) => path.Replace('\\', '/').TrimEnd('/');
}
