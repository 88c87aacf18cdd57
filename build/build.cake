// The reproduction pipeline as a stage graph (DVC's vocabulary: params, deps, outs).
// Each stage instance declares its parameters, the files it reads, the source files that implement
// it and the files it writes; `lora stage` compares them with the manifest of its last successful
// run (data/.stages/) and skips the stage when nothing changed. See README.md for the arguments.

using System.Diagnostics;

// ---------------------------------------------------------------- arguments

// Relative paths (arguments, stage declarations) are relative to the repository root, the parent
// of this script's folder (Cake starts in the script's folder); child processes start there too.
var repoRoot = Context.Environment.WorkingDirectory.Combine("..").Collapse().FullPath;
System.IO.Directory.SetCurrentDirectory(repoRoot);
Context.Environment.WorkingDirectory = repoRoot;

var KnownTargets = new[] { "Bank", "Tokenize", "Distances", "Predict", "Infer", "Evaluate", "Report", "Publish", "Clean" };
var KnownMetrics = new[] { "WD", "KL", "JS", "MMD" };
var KnownModels = new[] { "base_version", "normalized_version", "mlp_version" };
var KnownBanks = new[] { "embedded", "lots-of-loras" };
var KnownBankProfiles = new[] { "full", "tiny" };
var KnownArguments = new[] { "target", "metric", "model", "mlp-hidden", "bank", "bank-profile", "bank-dir", "revision", "include-base-model", "data-dir", "results-dir", "limit", "force", "seed", "max-new-tokens", "batch-size", "shard",
                              "executor", "shards", "slurm-partition", "slurm-gres", "slurm-time", "slurm-account", "slurm-cpus-per-task", "slurm-mem", "slurm-dry-run" };
// Cake's own options, which it also lists among the script's arguments.
var CakeOptions = new[] { "working", "verbosity", "v", "description", "showdescription", "tree", "dryrun", "noop", "whatif", "exclusive", "e", "debug", "d", "info", "version" };

void Fail(string message)
{
    Console.Error.WriteLine($"error: {message}");
    Environment.Exit(2);
}

foreach (var name in Context.Arguments.GetArguments().Keys)
    if (!KnownArguments.Contains(name, StringComparer.OrdinalIgnoreCase) && !CakeOptions.Contains(name, StringComparer.OrdinalIgnoreCase))
        Fail($"unknown argument --{name}; valid: {string.Join(", ", KnownArguments.Select(a => "--" + a))}");

var target = Argument("target", "Distances");
target = KnownTargets.FirstOrDefault(t => t.Equals(target, StringComparison.OrdinalIgnoreCase))
         ?? Fail<string>($"unknown target '{target}'; valid: {string.Join(", ", KnownTargets)}");

var metrics = ParseList(Argument("metric", "KL"), KnownMetrics, "metric");
var models = ParseList(Argument("model", "base_version"), KnownModels, "model");
var dataDir = Slash(Argument("data-dir", "data"));
// The bank: --bank-dir alone names a bank folder, used as it is. Otherwise the Bank target makes one:
// --bank=embedded (the default) builds the embedded bank into <data-dir>/embedded (or --bank-dir);
// --bank=lots-of-loras fetches the paper's bank from the Hugging Face Hub into <data-dir>/raw_input (or --bank-dir).
var bankName = Argument("bank", "embedded");
bankName = KnownBanks.FirstOrDefault(b => b.Equals(bankName, StringComparison.OrdinalIgnoreCase))
           ?? Fail<string>($"unknown bank '{bankName}'; valid: {string.Join(", ", KnownBanks)}");
var bankProfile = Argument("bank-profile", "full");
bankProfile = KnownBankProfiles.FirstOrDefault(b => b.Equals(bankProfile, StringComparison.OrdinalIgnoreCase))
              ?? Fail<string>($"unknown bank profile '{bankProfile}'; valid: {string.Join(", ", KnownBankProfiles)}");
var userBank = HasArgument("bank-dir") && !HasArgument("bank");
var bankDir = Slash(Argument("bank-dir", bankName == "lots-of-loras" ? $"{dataDir}/raw_input" : $"{dataDir}/{bankName}"));
var resultsDir = Slash(Argument("results-dir", "results"));
// mlp_version's width: the paper's 4000, except on the embedded bank, a miniature of 32 tasks, where a
// step at 4000 costs 16x one at 1000 and the whole study must fit in minutes.
var mlpHiddenText = Argument("mlp-hidden", bankName == "embedded" && !userBank ? "1000" : "4000");
if (!int.TryParse(mlpHiddenText, out var mlpHidden) || mlpHidden < 1) Fail($"--mlp-hidden={mlpHiddenText}: expected a whole number >= 1");
var limitText = Argument("limit", "0");
if (!int.TryParse(limitText, out var limit) || limit < 0) Fail($"--limit={limitText}: expected a whole number >= 0 (0 = all tasks)");
var seedText = Argument("seed", "0");
if (!ulong.TryParse(seedText, out var seed)) Fail($"--seed={seedText}: expected a whole number >= 0");
var force = HasArgument("force") && Argument("force", "true") != "false";
var revision = HasArgument("revision") ? Argument("revision", "") : null;
if (revision is not null && revision.Trim().Length == 0) Fail("--revision is empty; give a branch, tag or commit (e.g. main)");
var includeBaseModel = HasArgument("include-base-model") && Argument("include-base-model", "true") != "false";
if (target == "Bank" && userBank) Fail($"--target=Bank makes a bank; with --bank-dir name which one with --bank ({string.Join(", ", KnownBanks)})");

// Inference: the paper generates up to 256 new tokens; the embedded bank's answers are a few words.
var maxNewTokensText = Argument("max-new-tokens", bankName == "embedded" && !userBank ? "48" : "256");
if (!int.TryParse(maxNewTokensText, out var maxNewTokens) || maxNewTokens < 1) Fail($"--max-new-tokens={maxNewTokensText}: expected a whole number >= 1");
var batchSizeText = Argument("batch-size", "16");
if (!int.TryParse(batchSizeText, out var batchSize) || batchSize < 1) Fail($"--batch-size={batchSizeText}: expected a whole number >= 1");
var shard = HasArgument("shard") ? Argument("shard", "") : null;
if (shard is not null && !System.Text.RegularExpressions.Regex.IsMatch(shard, @"^\d+/\d+$")) Fail($"--shard={shard}: expected i/n with 0 <= i < n (e.g. 0/4)");
if (shard is not null && int.Parse(shard.Split('/')[0]) >= int.Parse(shard.Split('/')[1])) Fail($"--shard={shard}: expected i/n with 0 <= i < n (e.g. 0/4)");

T Fail<T>(string message) { Fail(message); return default; }

// Where Infer runs: here, or as a Slurm array job (one array task per shard; the tool, bank, data and
// results folders on a filesystem the nodes share). The slurm-* values go to sbatch as they are.
var KnownExecutors = new[] { "local", "slurm" };
var executor = Argument("executor", "local");
executor = KnownExecutors.FirstOrDefault(e => e.Equals(executor, StringComparison.OrdinalIgnoreCase))
           ?? Fail<string>($"unknown executor '{executor}'; valid: {string.Join(", ", KnownExecutors)}");
var shardsText = Argument("shards", "4");
if (!int.TryParse(shardsText, out var shards) || shards < 1) Fail($"--shards={shardsText}: expected a whole number >= 1");
var slurmDryRun = HasArgument("slurm-dry-run") && Argument("slurm-dry-run", "true") != "false";
var slurmArgs = new List<string>();
foreach (var name in new[] { "slurm-partition", "slurm-gres", "slurm-time", "slurm-account", "slurm-cpus-per-task", "slurm-mem" })
    if (HasArgument(name))
    {
        var value = Argument(name, "");
        if (value.Length == 0 || value.Any(char.IsWhiteSpace)) Fail($"--{name}='{value}': expected one word without spaces");
        slurmArgs.AddRange(new[] { "--" + name.Substring("slurm-".Length), value });
    }
if (executor == "local" && (slurmArgs.Count > 0 || slurmDryRun || HasArgument("shards")))
    Fail("--shards, --slurm-* and --slurm-dry-run need --executor=slurm");
if (executor == "slurm" && shard is not null) Fail("--shard runs one shard here; with --executor=slurm give the number of shards with --shards");

static string Slash(string path) => path.Replace('\\', '/').TrimEnd('/');

string[] ParseList(string value, string[] valid, string what)
{
    var items = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    if (items.Any(i => i.Equals("all", StringComparison.OrdinalIgnoreCase))) return valid;
    var result = new List<string>();
    foreach (var item in items)
    {
        var match = valid.FirstOrDefault(v => v.Equals(item, StringComparison.OrdinalIgnoreCase))
                    ?? Fail<string>($"unknown {what} '{item}'; valid: {string.Join(", ", valid)}, all");
        if (!result.Contains(match)) result.Add(match);
    }
    if (result.Count == 0) Fail($"--{what} is empty; valid: {string.Join(", ", valid)}, all");
    return valid.Where(result.Contains).ToArray();
}

// ---------------------------------------------------------------- the lora tool and the data-folder lock


var tool = System.IO.Path.GetFullPath(".build/tool/lora.dll");
if (!System.IO.File.Exists(tool)) Fail($"{tool}: not found; run ./build.sh (it builds the tool) rather than cake directly");

// One pipeline at a time per data folder: an OS file lock held for the whole run (released even if
// the run is killed); the stages started below are told their parent holds it.
FileStream dataLock = null;
Setup(ctx =>
{
    var full = System.IO.Path.GetFullPath(dataDir);
    System.IO.Directory.CreateDirectory(full);
    var lockPath = System.IO.Path.Combine(full, ".lock");
    try
    {
        dataLock = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        System.IO.File.WriteAllText(lockPath + ".pid", Environment.ProcessId + "\n");
    }
    catch (IOException)
    {
        var holder = "?";
        try { holder = System.IO.File.ReadAllText(lockPath + ".pid").Trim(); } catch (IOException) { }
        Fail($"{lockPath}: another pipeline (pid {holder}) is using data folder {dataDir}; wait for it to finish or stop it");
    }
    Environment.SetEnvironmentVariable("LORA_DATA_LOCK_HELD", full);
});
Teardown(ctx => dataLock?.Dispose());

int LoraExitCode(IEnumerable<string> args)
{
    var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false };
    psi.ArgumentList.Add(tool);
    foreach (var a in args) psi.ArgumentList.Add(a);
    using var process = Process.Start(psi);
    process.WaitForExit();
    return process.ExitCode;
}

void Lora(IEnumerable<string> args)
{
    var exit = LoraExitCode(args);
    // The tool already printed the one-line reason.
    if (exit != 0) Environment.Exit(exit);
}

// A stage instance: `lora stage` runs `Verb` unless everything it declares is unchanged.
sealed class Stage
{
    public string Name;
    public Dictionary<string, string> Params = new();
    public List<string> Deps = new();
    public List<string> Code = new();
    public List<string> Outs = new();
    public List<string> Verb = new();
}

// Stages are queued as a target declares them and run when it ends (TaskTeardown): one `lora
// stage-check` process first says whether all of them are up to date (an unchanged rerun of the whole
// study then starts a handful of processes); otherwise each runs in its own `lora stage` process.
var queued = new List<Stage>();
void Run(Stage s) => queued.Add(s);

TaskTeardown(ctx =>
{
    var stages = queued.ToList();
    queued.Clear();
    if (stages.Count == 0) return;
    if (!force)
    {
        var plan = System.IO.Path.Combine(dataDir, ".stages", "plans", ctx.Task.Name + ".json");
        System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(plan));
        System.IO.File.WriteAllText(plan, System.Text.Json.JsonSerializer.Serialize(stages.Select(st => new
        {
            name = st.Name, @params = st.Params, deps = st.Deps, code = st.Code, outs = st.Outs,
        })));
        var exit = LoraExitCode(new[] { "stage-check", "--plan", plan, "--data-dir", dataDir });
        if (exit == 0) return;
        if (exit != 3) Environment.Exit(exit);
    }
    foreach (var st in stages) RunNow(st);
});

void RunNow(Stage s)
{
    var args = new List<string> { "stage", "--name", s.Name, "--data-dir", dataDir };
    foreach (var p in s.Params) { args.Add("--param"); args.Add($"{p.Key}={p.Value}"); }
    foreach (var d in s.Deps) { args.Add("--dep"); args.Add(d); }
    foreach (var c in s.Code) { args.Add("--code"); args.Add(c); }
    foreach (var o in s.Outs) { args.Add("--out"); args.Add(o); }
    if (force) args.Add("--force");
    args.Add("--");
    args.AddRange(s.Verb);
    Lora(args);
}

// ---------------------------------------------------------------- stages

// The embedded bank (src/MetaLora/Bank/Embedded): synthetic tasks, a tiny Mistral and a LoRA per task,
// trained on the CPU. "tiny" is a few-task, few-step version for CI and tests: same code, same layout.
var BankProfiles = new Dictionary<string, string[]>
{
    ["full"] = new string[0],
    ["tiny"] = new[] { "--tasks", "6", "--train-samples", "40", "--valid-samples", "4", "--test-samples", "6", "--generic-samples", "400",
                       "--hidden", "32", "--intermediate", "64", "--base-steps", "30", "--lora-steps", "8", "--lora-batch", "8" },
};

Stage EmbeddedBank()
{
    var stage = new Stage
    {
        Name = "Bank.embedded",
        Params = { ["bank"] = bankName, ["profile"] = bankProfile },
        Code =
        {
            "src/MetaLora/Bank/Embedded/*.cs",
            "src/MetaLora/Model/*.cs",
            "src/MetaLora/Tokenization/CompactTokenizer.cs",
            "src/MetaLora/Formats/PeftAdapter.cs",
            "src/MetaLora/Formats/AdapterConfig.cs",
            "src/MetaLora/Formats/SafetensorsWriter.cs",
        },
        Outs = { $"{bankDir}/**" },
        Verb = { "bank", "build", "--out", bankDir },
    };
    stage.Verb.AddRange(BankProfiles[bankProfile]);
    return stage;
}

// The paper's bank from the Hugging Face Hub: resumable, verified, pinned to the commits recorded in bank.json.
Stage LotsOfLoras()
{
    var stage = new Stage
    {
        Name = "Bank",
        Params = { ["bank"] = bankName, ["bank-dir"] = bankDir, ["limit"] = limit.ToString(), ["include-base-model"] = includeBaseModel.ToString() },
        Code =
        {
            "src/MetaLora/Hub/*.cs",
            "src/MetaLora/Bank/BankFetch.cs",
            "src/MetaLora/Bank/FetchState.cs",
            "src/MetaLora/Bank/LotsOfLoras.cs",
            "src/MetaLora/Bank/lots-of-loras-502.tsv",
            "src/MetaLora.Cli/FetchCommand.cs",
        },
        Outs =
        {
            $"{bankDir}/bank.json",
            $"{bankDir}/adapters/**",
            $"{bankDir}/datasets/**",
            $"{bankDir}/base_model/**",
        },
        Verb = { "fetch", "--bank-dir", bankDir, "--limit", limit.ToString() },
    };
    if (revision is not null) { stage.Params["revision"] = revision; stage.Verb.AddRange(new[] { "--revision", revision }); }
    if (includeBaseModel) stage.Verb.Add("--include-base-model");
    return stage;
}

Task("Bank")
    .Description("Make the bank: --bank=embedded (default) -> <data-dir>/embedded; --bank=lots-of-loras (Hugging Face) -> <data-dir>/raw_input; skipped when --bank-dir alone names a bank")
    .WithCriteria(() => !userBank)
    .Does(() => Run(bankName == "lots-of-loras" ? LotsOfLoras() : EmbeddedBank()));

Task("Tokenize")
    .Description("Token ids of every task's train split -> <data-dir>/preprocessed/tokens/<task>.npy")
    .IsDependentOn("Bank")
    .Does(() => Run(new Stage
    {
        Name = "Tokenize",
        Params = { ["bank-dir"] = bankDir, ["limit"] = limit.ToString() },
        Deps =
        {
            $"{bankDir}/bank.json",
            $"{bankDir}/datasets/*/train.jsonl",
            $"{bankDir}/datasets/*/train*.parquet",
            $"{bankDir}/datasets/*/data/train*.parquet",
            $"{bankDir}/base_model/tokenizer*.model",
        },
        Code =
        {
            "src/MetaLora/Stages/TokenizeStage.cs",
            "src/MetaLora/Tokenization/*.cs",
            "src/MetaLora/Bank/*.cs",
            "src/MetaLora/Formats/Npy.cs",
            "src/MetaLora/Formats/Jsonl.cs",
            "src/MetaLora/Formats/Parquet.cs",
        },
        Outs = { $"{dataDir}/preprocessed/tokens/*.npy" },
        Verb = { "tokenize", "--bank-dir", bankDir, "--data-dir", dataDir, "--limit", limit.ToString() },
    }));

Task("Distances")
    .Description("N x N distances per metric -> <data-dir>/preprocessed/distances/<METRIC>.csv")
    .IsDependentOn("Tokenize")
    .Does(() =>
    {
        foreach (var metric in metrics)
        {
            var stage = new Stage
            {
                Name = $"Distances.{metric}",
                Params = { ["metric"] = metric, ["bank-dir"] = bankDir, ["limit"] = limit.ToString() },
                Deps = { $"{bankDir}/bank.json", $"{dataDir}/preprocessed/tokens/*.npy" },
                Code =
                {
                    $"src/MetaLora/Metrics/{metric}.cs",
                    "src/MetaLora/Metrics/DistanceMatrix.cs",
                    "src/MetaLora/Stages/DistancesStage.cs",
                    "src/MetaLora/Formats/MatrixCsv.cs",
                    "src/MetaLora/Formats/Npy.cs",
                },
                Outs = { $"{dataDir}/preprocessed/distances/{metric}.csv" },
                Verb = { "distances", "--metric", metric, "--bank-dir", bankDir, "--data-dir", dataDir, "--limit", limit.ToString() },
            };
            // Histograms feed KL and JS, cumulative counts feed WD; MMD samples raw ids.
            if (metric != "MMD") stage.Code.Add("src/MetaLora/Metrics/Histogram.cs");
            if (metric == "MMD") { stage.Params["seed"] = seed.ToString(); stage.Verb.AddRange(new[] { "--seed", seed.ToString() }); }
            Run(stage);
        }
    });

// Safetensors and PEFT folders: read by Gram and Predict.
var AdapterFormats = new[]
{
    "src/MetaLora/Formats/Safetensors*.cs", "src/MetaLora/Formats/TensorInfo.cs", "src/MetaLora/Formats/HalfPrecision.cs",
    "src/MetaLora/Formats/PeftAdapter.cs", "src/MetaLora/Formats/AdapterConfig.cs", "src/MetaLora/Formats/AdapterBank.cs",
    "src/MetaLora/Formats/LoraKeys.cs",
};
var ModelSources = new Dictionary<string, string[]>
{
    ["base_version"] = new[] { "src/MetaLora/Prediction/BaseVersion.cs" },
    ["normalized_version"] = new[] { "src/MetaLora/Prediction/NormalizedVersion.cs" },
    ["mlp_version"] = new[] { "src/MetaLora/Prediction/MlpVersion.cs", "src/MetaLora/Prediction/CoefficientMlp.cs", "src/MetaLora/Prediction/NormalizedVersion.cs", "src/MetaLora/Stages/TrainedMlp.cs" },
};

Task("Predict")
    .Description("Coefficients and predicted adapters per metric and model -> <data-dir>/coefficients/, <data-dir>/predicted_adapters/")
    .IsDependentOn("Distances")
    .Does(() =>
    {
        var common = new[] { "--bank-dir", bankDir, "--data-dir", dataDir, "--limit", limit.ToString() };
        var adapters = new[] { $"{bankDir}/adapters/*/adapter_model.safetensors", $"{bankDir}/adapters/*/adapter_config.json" };
        if (models.Contains("mlp_version"))
        {
            var gram = new Stage
            {
                Name = "Gram",
                Params = { ["bank-dir"] = bankDir, ["limit"] = limit.ToString() },
                Deps = { $"{bankDir}/bank.json" },
                Code = { "src/MetaLora/Prediction/Gram.cs", "src/MetaLora/Prediction/BankChunk.cs", "src/MetaLora/Stages/PredictStages.cs", "src/MetaLora/Formats/MatrixCsv.cs" },
                Outs = { $"{dataDir}/preprocessed/gram.csv" },
                Verb = { "gram" },
            };
            gram.Deps.AddRange(adapters);
            gram.Code.AddRange(AdapterFormats);
            gram.Verb.AddRange(common);
            Run(gram);
        }
        foreach (var metric in metrics)
            foreach (var model in models)
            {
                var coefficients = $"{dataDir}/coefficients/{metric}/{model}";
                var stage = new Stage
                {
                    Name = $"Coefficients.{metric}.{model}",
                    Params = { ["metric"] = metric, ["model"] = model, ["bank-dir"] = bankDir, ["limit"] = limit.ToString() },
                    Deps = { $"{bankDir}/bank.json", $"{dataDir}/preprocessed/distances/{metric}.csv" },
                    Code = { "src/MetaLora/Prediction/Softmin.cs", "src/MetaLora/Stages/PredictStages.cs", "src/MetaLora/Formats/MatrixCsv.cs" },
                    Outs = { $"{coefficients}/coefficients.csv" },
                    Verb = { "coefficients", "--metric", metric, "--model", model },
                };
                stage.Code.AddRange(ModelSources[model]);
                stage.Verb.AddRange(common);
                if (model == "mlp_version")
                {
                    stage.Params["mlp-hidden"] = mlpHidden.ToString();
                    stage.Params["seed"] = seed.ToString();
                    stage.Deps.Add($"{dataDir}/preprocessed/gram.csv");
                    stage.Deps.AddRange(adapters);
                    stage.Outs.Add($"{coefficients}/training_log.csv");
                    stage.Outs.Add($"{coefficients}/split.json");
                    stage.Outs.Add($"{coefficients}/mlp.dat");
                    stage.Outs.Add($"{coefficients}/mlp.json");
                    stage.Verb.AddRange(new[] { "--mlp-hidden", mlpHidden.ToString(), "--seed", seed.ToString() });
                }
                Run(stage);

                var predict = new Stage
                {
                    Name = $"Predict.{metric}.{model}",
                    Params = { ["metric"] = metric, ["model"] = model, ["bank-dir"] = bankDir, ["limit"] = limit.ToString() },
                    Deps = { $"{bankDir}/bank.json", $"{coefficients}/coefficients.csv" },
                    Code = { "src/MetaLora/Prediction/AdapterMixer.cs", "src/MetaLora/Prediction/BankChunk.cs", "src/MetaLora/Stages/PredictStages.cs", "src/MetaLora/Formats/MatrixCsv.cs" },
                    Outs = { $"{dataDir}/predicted_adapters/{metric}/{model}/**" },
                    Verb = { "predict", "--metric", metric, "--model", model },
                };
                predict.Deps.AddRange(adapters);
                predict.Code.AddRange(AdapterFormats);
                predict.Verb.AddRange(common);
                Run(predict);
            }
    });

// The pipelines (columns of the result tables): base, finetuned, then <METRIC>_<model> for the selected ones.
var pipelines = new[] { "base", "finetuned" }.Concat(metrics.SelectMany(m => models.Select(c => $"{m}_{c}"))).ToArray();
var outputsDir = $"{resultsDir}/models_generated_outputs";
var ModelCode = new[]
{
    "src/MetaLora/Model/*.cs", "src/MetaLora/Tokenization/*.cs", "src/MetaLora/Bank/Dataset.cs", "src/MetaLora/Formats/Jsonl.cs",
    "src/MetaLora/Formats/Parquet.cs", "src/MetaLora/Stages/InferStage.cs", "src/MetaLora/Stages/InferPipeline.cs",
};

Task("Infer")
    .Description("Greedy generation on every task's test split per pipeline -> <results-dir>/models_generated_outputs/<pipeline>/<task>.jsonl")
    .IsDependentOn("Predict")
    .Does(() =>
    {
        if (executor == "slurm")
        {
            // The shards run on the cluster and fill the outputs; the stages below then find every task
            // done and only record their manifests.
            var submit = new List<string>
            {
                "slurm", "submit", "--pipeline", string.Join(",", pipelines), "--bank-dir", bankDir, "--data-dir", dataDir, "--results-dir", resultsDir,
                "--limit", limit.ToString(), "--max-new-tokens", maxNewTokens.ToString(), "--batch-size", batchSize.ToString(), "--shards", shards.ToString(),
            };
            submit.AddRange(slurmArgs);
            if (slurmDryRun) submit.Add("--dry-run");
            Lora(submit);
            // A dry run stops here: nothing ran, so nothing after Infer can.
            if (slurmDryRun) Environment.Exit(0);
        }
        foreach (var pipeline in pipelines)
        {
            var stage = new Stage
            {
                Name = $"Infer.{pipeline}",
                Params = { ["pipeline"] = pipeline, ["bank-dir"] = bankDir, ["limit"] = limit.ToString(), ["max-new-tokens"] = maxNewTokens.ToString(), ["batch-size"] = batchSize.ToString() },
                Deps =
                {
                    $"{bankDir}/bank.json",
                    $"{bankDir}/base_model/*",
                    $"{bankDir}/datasets/*/test.jsonl",
                    $"{bankDir}/datasets/*/test*.parquet",
                    $"{bankDir}/datasets/*/data/test*.parquet",
                },
                Code = { },
                Outs = { $"{outputsDir}/{pipeline}/*.jsonl" },
                Verb =
                {
                    "infer", "--pipeline", pipeline, "--bank-dir", bankDir, "--data-dir", dataDir, "--results-dir", resultsDir, "--limit", limit.ToString(),
                    "--max-new-tokens", maxNewTokens.ToString(), "--batch-size", batchSize.ToString(),
                },
            };
            stage.Code.AddRange(ModelCode);
            stage.Code.AddRange(AdapterFormats);
            if (pipeline == "finetuned")
                stage.Deps.AddRange(new[] { $"{bankDir}/adapters/*/adapter_model.safetensors", $"{bankDir}/adapters/*/adapter_config.json" });
            else if (pipeline != "base")
            {
                var parts = pipeline.Split('_', 2);
                stage.Deps.Add($"{dataDir}/predicted_adapters/{parts[0]}/{parts[1]}/**");
            }
            if (shard is not null) { stage.Params["shard"] = shard; stage.Verb.AddRange(new[] { "--shard", shard }); }
            Run(stage);
        }
    });

Task("Evaluate")
    .Description("Scores per task and pipeline -> <results-dir>/evaluation_outputs_results/<score>_results.csv, <results-dir>/summary.md, summary.json")
    .IsDependentOn("Infer")
    .Does(() =>
    {
        var stage = new Stage
        {
            Name = "Evaluate",
            Params = { ["pipelines"] = string.Join(",", pipelines), ["bank-dir"] = bankDir, ["limit"] = limit.ToString() },
            Deps = { $"{bankDir}/bank.json" },
            Code = { "src/MetaLora/Evaluation/*.cs", "src/MetaLora/Reporting/ScoreTable.cs", "src/MetaLora/Reporting/Summary.cs", "src/MetaLora/Stages/EvaluateStage.cs", "src/MetaLora/Stages/InferPipeline.cs" },
            Outs = { $"{resultsDir}/summary.md", $"{resultsDir}/summary.json" },
            Verb = { "evaluate", "--pipeline", string.Join(",", pipelines), "--bank-dir", bankDir, "--data-dir", dataDir, "--results-dir", resultsDir, "--limit", limit.ToString() },
        };
        foreach (var pipeline in pipelines) stage.Deps.Add($"{outputsDir}/{pipeline}/*.jsonl");
        foreach (var score in new[] { "exact_match", "subsequence_match", "rougeL", "rougeLsum" })
            stage.Outs.Add($"{resultsDir}/evaluation_outputs_results/{score}_results.csv");
        Run(stage);
    });

Task("Report")
    .Description("Figures -> <results-dir>/rougeL_by_pipeline.png, coefficients_<pipeline>.png, scatter_<pipeline>.png")
    .IsDependentOn("Evaluate")
    .Does(() =>
    {
        var stage = new Stage
        {
            Name = "Report",
            Params = { ["pipelines"] = string.Join(",", pipelines) },
            Deps = { $"{resultsDir}/evaluation_outputs_results/rougeL_results.csv" },
            Code = { "src/MetaLora/Reporting/*.cs", "src/MetaLora/Stages/ReportStage.cs", "src/MetaLora/Formats/MatrixCsv.cs" },
            Outs = { $"{resultsDir}/rougeL_by_pipeline.png" },
            Verb = { "report", "--pipeline", string.Join(",", pipelines), "--data-dir", dataDir, "--results-dir", resultsDir },
        };
        foreach (var m in metrics)
            foreach (var model in models)
            {
                stage.Deps.Add($"{dataDir}/coefficients/{m}/{model}/coefficients.csv");
                stage.Outs.Add($"{resultsDir}/coefficients_{m}_{model}.png");
            }
        foreach (var pipeline in pipelines.Skip(1)) stage.Outs.Add($"{resultsDir}/scatter_{pipeline}.png");
        Run(stage);
    });

// The results bundle with the provenance of its numbers (README: "Publishing results"). Not a stage:
// it is cheap, and it must always reflect the stage manifests as they are now.
Task("Publish")
    .Description("Bundle the tables, summary and figures with manifest.json (commit, arguments, versions, machine, stage hashes) -> artifacts/<bank>-<short commit>.tar.gz")
    .IsDependentOn("Report")
    .Does(() =>
    {
        var bundleBank = userBank ? System.IO.Path.GetFileName(bankDir)
            : bankName == "embedded" && bankProfile != "full" ? $"embedded-{bankProfile}" : bankName;
        // The arguments as this script resolved them (defaults included), not as typed.
        var recorded = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["target"] = target, ["metric"] = string.Join(",", metrics), ["model"] = string.Join(",", models), ["mlp-hidden"] = mlpHidden.ToString(),
            ["bank"] = userBank ? "" : bankName, ["bank-profile"] = bankProfile, ["bank-dir"] = bankDir, ["data-dir"] = dataDir, ["results-dir"] = resultsDir,
            ["limit"] = limit.ToString(), ["seed"] = seed.ToString(), ["max-new-tokens"] = maxNewTokens.ToString(), ["batch-size"] = batchSize.ToString(),
        };
        if (shard is not null) recorded["shard"] = shard;
        if (revision is not null) recorded["revision"] = revision;
        if (includeBaseModel) recorded["include-base-model"] = "true";
        var args = new List<string> { "publish", "--data-dir", dataDir, "--results-dir", resultsDir, "--out", "artifacts", "--bank", bundleBank };
        foreach (var a in recorded) { args.Add("--arg"); args.Add($"{a.Key}={a.Value}"); }
        Lora(args);
    });

Task("Clean")
    .Description("Delete everything the pipeline wrote (never the bank)")
    .Does(() =>
    {
        foreach (var dir in new[] { $"{dataDir}/preprocessed", $"{dataDir}/coefficients", $"{dataDir}/predicted_adapters", $"{dataDir}/.stages", resultsDir })
            if (System.IO.Directory.Exists(dir))
            {
                System.IO.Directory.Delete(dir, recursive: true);
                Information($"removed {dir}");
            }
    });

RunTarget(target);
